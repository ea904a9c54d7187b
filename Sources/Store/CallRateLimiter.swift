import Backoff
import Foundation
import PostgresNIO

/// The global call rate, kept in Postgres (`dialer.reserve_rate_slot`): a worker reserves a
/// slot before each call and starts the call no earlier than the slot.
///
/// Slots are at least 1/rate apart by the database clock. What the far end sees also depends
/// on how late each caller actually starts: one that wakes well after its slot crowds the next
/// window, so a caller must give up a slot it is late for (and reserve another) rather than
/// dial late.
public struct CallRateLimiter: Sendable {
    /// A reserved slot: wait `wait`, then place the call.
    public enum Reservation: Sendable, Equatable {
        /// `at` is the slot's instant by the database clock, in seconds since 1970.
        case slot(wait: Duration, at: Double)
        /// The reservations already reach further ahead than the caller will wait: do other
        /// work (snooze the job) and come back after about `backlog`.
        case full(backlog: Duration)
    }

    public let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// Reserves the next slot of `key` at `callsPerSecond`, if it starts within `maxWait`.
    public func reserve(key: String, callsPerSecond: Double, maxWait: Duration) async throws -> Reservation {
        try await reserve([RateLimit(key: key, callsPerSecond: callsPerSecond)], maxWait: maxWait)
    }

    /// Reserves one slot that respects every limit at once (a campaign's and its account's),
    /// if it starts within `maxWait`; when it does not, no limit's schedule moves.
    public func reserve(_ limits: [RateLimit], maxWait: Duration) async throws -> Reservation {
        precondition(!limits.isEmpty && limits.allSatisfy { $0.callsPerSecond > 0 }, "rate limits must be above zero")
        let rows = try await database.client.query(
            """
            SELECT wait_seconds, slot_epoch, backlog_seconds
            FROM dialer.reserve_rate_slot(\(limits.map(\.key))::text[], \(limits.map(\.callsPerSecond))::float8[], \(maxWait.seconds))
            """,
            logger: database.logger
        )
        for try await (wait, slot, backlog) in rows.decode((Double?, Double?, Double).self) {
            if let wait, let slot { return .slot(wait: .microseconds(Int64((wait * 1e6).rounded(.up))), at: slot) }
            return .full(backlog: .milliseconds(Int64(backlog * 1000)))
        }
        throw CallRateLimiterError.noAnswer
    }

    /// The database's clock now, in epoch seconds: what slots are measured on.
    public func databaseTime() async throws -> Double {
        let rows = try await database.client.query("SELECT extract(epoch FROM clock_timestamp())::float8", logger: database.logger)
        for try await now in rows.decode(Double.self) { return now }
        throw CallRateLimiterError.noAnswer
    }

    /// Reserves a slot and sleeps until it starts; nil when the limiter is full for `maxWait`.
    public func acquire(key: String, callsPerSecond: Double, maxWait: Duration) async throws -> Duration? {
        switch try await reserve(key: key, callsPerSecond: callsPerSecond, maxWait: maxWait) {
        case .slot(let wait, _):
            if wait > .zero { try await Task.sleep(for: wait) }
            return wait
        case .full:
            return nil
        }
    }
}

/// One limiter: its row key and its rate.
public struct RateLimit: Sendable, Equatable {
    public var key: String
    public var callsPerSecond: Double

    public init(key: String, callsPerSecond: Double) {
        self.key = key
        self.callsPerSecond = callsPerSecond
    }
}

/// The limiter function returned nothing (it always returns one row).
public enum CallRateLimiterError: Error {
    case noAnswer
}
