import Foundation
import PostgresNIO

/// The one breaker every finalizer shares through `dialer.task_sync_pause`: Salesforce's
/// REQUEST_LIMIT_EXCEEDED pauses all Task syncs, each strike in a row doubling the pause,
/// and when the pause is over one run alone tries again: a hundred finalizers make one pause
/// and one probe, not a hundred retries.
public struct TaskSyncPause: Sendable {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// Nil when a run may write to Salesforce now: the breaker is closed, or this run is the
    /// one probe after a pause (for `probe`, or until it strikes or clears). Otherwise how
    /// long to wait: the pause left, or the probe's time.
    public func gate(probe: Duration) async throws -> Duration? {
        let rows = try await database.client.query("SELECT dialer.task_sync_gate(\(probe.seconds))", logger: database.logger)
        for try await seconds in rows.decode(Double.self) where seconds > 0 { return .milliseconds(Int64(seconds * 1000)) }
        return nil
    }

    /// Records a strike and pauses every sync for `base` doubled per strike in a row, at most
    /// `cap`; a strike while already paused does not extend the pause. Returns the pause left.
    @discardableResult
    public func strike(base: Duration, cap: Duration, reason: String) async throws -> Duration {
        let rows = try await database.client.query(
            """
            UPDATE dialer.task_sync_pause
            SET strikes = CASE WHEN paused_until > now() THEN strikes ELSE strikes + 1 END, probe_until = NULL,
                paused_until = CASE WHEN paused_until > now() THEN paused_until
                                    ELSE now() + make_interval(secs => least(\(base.seconds) * power(2, strikes), \(cap.seconds))) END,
                reason = \(reason), updated_at = now()
            RETURNING extract(epoch FROM paused_until - now())::float8
            """,
            logger: database.logger
        )
        for try await seconds in rows.decode(Double.self) { return .milliseconds(Int64(seconds * 1000)) }
        return base
    }

    /// A write went through: the next strike starts from `base` again.
    public func clearStrikes() async throws {
        try await database.client.query(
            "UPDATE dialer.task_sync_pause SET strikes = 0, probe_until = NULL, reason = NULL, updated_at = now() WHERE strikes > 0",
            logger: database.logger
        )
    }
}
