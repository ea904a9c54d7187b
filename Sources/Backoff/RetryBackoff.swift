/// The delay before a failed job's next attempt: exponential, capped, with jitter so that
/// jobs that failed together (an outage) do not all retry in the same instant.
///
/// The delay after attempt n is `min(cap, base * factor^(n-1))` (or the n-th step of a fixed
/// `schedule`, its last step repeated), then scaled by a random factor in
/// `[1 - jitter, 1 + jitter)` and capped again.
public struct RetryBackoff: Sendable, Equatable {
    public var base: Double
    public var factor: Double
    public var cap: Double
    public var jitter: Double
    /// Seconds after each failed attempt, when a convention fixes them rather than a curve
    /// (Standard Webhooks' 5 s, 5 min, 30 min, …); empty for the exponential curve.
    public var schedule: [Double] = []

    public init(base: Double = 1, factor: Double = 2, cap: Double = 3600, jitter: Double = 0.1) {
        self.base = base
        self.factor = factor
        self.cap = cap
        self.jitter = jitter
    }

    /// A fixed schedule: `steps[n - 1]` seconds after failed attempt n, the last step repeated.
    public init(schedule steps: [Double], jitter: Double = 0.1) {
        self.init(base: steps.first ?? 1, factor: 1, cap: steps.max() ?? 1, jitter: jitter)
        schedule = steps
    }

    /// Seconds to wait after failed attempt `attempt` (1-based); `unitRandom` is in [0, 1).
    public func delay(afterAttempt attempt: Int, unitRandom: Double) -> Double {
        let exponent = Double(max(attempt, 1) - 1)
        let raw = schedule.isEmpty ? min(cap, base * pow(factor, exponent)) : schedule[min(max(attempt, 1), schedule.count) - 1]
        let scaled = raw * (1 - jitter + 2 * jitter * unitRandom)
        return min(cap, max(0, scaled))
    }

    /// As above with a fresh random draw.
    public func delay(afterAttempt attempt: Int) -> Double {
        delay(afterAttempt: attempt, unitRandom: Double.random(in: 0..<1))
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Duration {
    /// The duration in seconds, as Postgres' make_interval and HTTP timeouts take it.
    public var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
