import Sandbox

/// The seeded generator every test uses (the Sandbox's SplitMix64): generated noise, shuffled
/// callbacks and fuzzing cases are the same on every run and machine, so a failure can be
/// replayed from its seed.
public typealias SeededGenerator = SplitMix64

extension SplitMix64 {
    /// A number in 0..<n.
    public mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    public mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8(truncatingIfNeeded: next()) } }
    public mutating func pick<T>(_ values: [T]) -> T { values[below(values.count)] }
}
