import Foundation
import Synchronization

/// The database's clock as seen from this process.
///
/// Rate slots are instants on the database's clock, and a worker must start each call at its
/// slot on its own clock. Waiting "the seconds the database said" would add the answer's
/// travel time, which varies from call to call and crowds windows; a worker on another host
/// would also carry its clock's skew. So the offset is estimated as NTP does: every
/// reservation says what time it was at the database, somewhere between the request leaving
/// and the answer arriving; the sample with the shortest round trip bounds it best. Samples
/// age out after a minute, so drift is followed.
public final class DatabaseClock: Sendable {
    struct Sample {
        /// Database time minus local time, in seconds.
        var offset: Double
        var roundTrip: Double
        var taken: ContinuousClock.Instant
    }

    let best = Mutex<Sample?>(nil)
    let calibration = Mutex<Task<Void, any Error>?>(nil)
    let maxAge: Duration

    public init(maxAge: Duration = .seconds(60)) {
        self.maxAge = maxAge
    }

    /// Records that the database read `databaseNow` (epoch seconds) during a request sent at
    /// `sent` and answered at `received`, both local.
    public func observe(databaseNow: Double, sent: Date, received: Date) {
        let roundTrip = received.timeIntervalSince(sent)
        // A reading that waited for a connection or a lock says little: the offset could be
        // anywhere within half its round trip. Without a usable one, the clocks are taken as equal.
        guard roundTrip <= Self.usableRoundTrip else { return }
        let midpoint = sent.timeIntervalSince1970 + roundTrip / 2
        let sample = Sample(offset: databaseNow - midpoint, roundTrip: roundTrip, taken: .now)
        best.withLock { best in
            if let current = best, current.roundTrip < sample.roundTrip, ContinuousClock.now - current.taken < maxAge { return }
            best = sample
        }
    }

    /// The local instant of a database instant (epoch seconds).
    public func local(_ databaseEpoch: Double) -> Date {
        Date(timeIntervalSince1970: databaseEpoch - (best.withLock { $0?.offset } ?? 0))
    }

    /// True until a sample with a round trip under `goodRoundTrip` is younger than `maxAge`:
    /// reservations answered after waiting for the limiter's lock bound the offset poorly.
    public func needsCalibration() -> Bool {
        best.withLock { best in
            guard let best else { return true }
            return best.roundTrip > Self.goodRoundTrip || ContinuousClock.now - best.taken > maxAge
        }
    }

    static let goodRoundTrip = 0.002
    static let usableRoundTrip = 0.02

    /// Makes sure the offset is known from a quick round trip, reading the database clock with
    /// `read` up to five times. One calibration runs at a time; concurrent callers wait for it
    /// (a burst of jobs at start would otherwise queue for connections and spoil every sample).
    public func calibrate(_ read: @escaping @Sendable () async throws -> Double) async throws {
        guard needsCalibration() else { return }
        let task = calibration.withLock { running -> Task<Void, any Error> in
            if let running { return running }
            let task = Task {
                defer { self.calibration.withLock { $0 = nil } }
                for _ in 0..<5 where self.needsCalibration() {
                    let sent = Date()
                    let databaseNow = try await read()
                    self.observe(databaseNow: databaseNow, sent: sent, received: Date())
                }
            }
            running = task
            return task
        }
        try await task.value
    }

    /// The current estimate of database time minus local time, in seconds.
    public var offset: Double { best.withLock { $0?.offset } ?? 0 }
}
