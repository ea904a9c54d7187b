import Foundation
import TestSupport

/// Generated audio for the Voice tests: deterministic, so a failure reproduces.
enum TestSignals {
    /// A sine tone, `amplitude` peak.
    static func tone(hz: Double, seconds: Double, rate: Int, amplitude: Double = 8000) -> [Int16] {
        let count = Int(seconds * Double(rate))
        return (0..<count).map { Int16((amplitude * sin(2 * .pi * hz * Double($0) / Double(rate))).rounded()) }
    }

    static func silence(seconds: Double, rate: Int = 8000) -> [Int16] {
        Array(repeating: 0, count: Int(seconds * Double(rate)))
    }

    /// White noise with the given RMS, from a fixed seed.
    static func noise(seconds: Double, rms: Double, rate: Int = 8000, seed: UInt64 = 42) -> [Int16] {
        var generator = SeededGenerator(seed: seed)
        let count = Int(seconds * Double(rate))
        // Uniform on ±a has an RMS of a/√3.
        let bound = rms * 3.0.squareRoot()
        return (0..<count).map { _ in Int16(Double.random(in: -bound...bound, using: &generator).rounded()) }
    }

    /// Voiced "syllables": a 140 Hz harmonic buzz, each syllable `syllable` seconds with
    /// 10 ms ramps, separated by `gap` seconds of nothing.
    static func syllables(count: Int, syllable: Double = 0.18, gap: Double = 0.07, rms: Double = 3000, rate: Int = 8000) -> [Int16] {
        var out: [Int16] = []
        let length = Int(syllable * Double(rate))
        let ramp = Int(0.01 * Double(rate))
        for index in 0..<count {
            for n in 0..<length {
                let t = Double(n) / Double(rate)
                var value = 0.0
                for harmonic in 1...8 {
                    value += sin(2 * .pi * 140 * Double(harmonic) * t) / Double(harmonic)
                }
                let envelope = min(1, Double(min(n, length - 1 - n)) / Double(ramp))
                // The harmonic sum has an RMS of about 0.9 at unit amplitude.
                out.append(Int16((value * envelope * rms / 0.9).rounded()))
            }
            if index < count - 1 {
                out += silence(seconds: gap, rate: rate)
            }
        }
        return out
    }

    /// `a + b` sample by sample, saturating; the shorter is treated as padded with zeros.
    static func mix(_ a: [Int16], _ b: [Int16]) -> [Int16] {
        (0..<max(a.count, b.count)).map { index in
            let sum = Int(index < a.count ? a[index] : 0) + Int(index < b.count ? b[index] : 0)
            return Int16(clamping: sum)
        }
    }

    static func rms(_ samples: some Collection<Int16>) -> Double {
        guard !samples.isEmpty else { return 0 }
        let sum = samples.reduce(0.0) { $0 + Double($1) * Double($1) }
        return (sum / Double(samples.count)).squareRoot()
    }

    /// Sign changes, counted from negative or zero to positive and back.
    static func zeroCrossings(_ samples: [Int16]) -> Int {
        zip(samples, samples.dropFirst()).filter { ($0 < 0) != ($1 < 0) }.count
    }

    /// The amplitude of the `hz` component (Goertzel), as the peak of a sine of that size.
    static func amplitude(at hz: Double, in samples: [Int16], rate: Int) -> Double {
        let coefficient = 2 * cos(2 * .pi * hz / Double(rate))
        var (previous, beforePrevious) = (0.0, 0.0)
        for sample in samples {
            let current = Double(sample) + coefficient * previous - beforePrevious
            beforePrevious = previous
            previous = current
        }
        let power = previous * previous + beforePrevious * beforePrevious - coefficient * previous * beforePrevious
        return 2 * power.squareRoot() / Double(samples.count)
    }
}
