import Foundation
import PostgresNIO
import Queue

extension CallStore {

    /// A placed call that has not ended and has heard nothing for a while.
    public struct StaleCall: Sendable, Equatable {
        public let callSID: String
        public let attemptID: UUID
    }

    /// Placed calls not ended whose last news (a callback, or the dial itself) is older than
    /// `quiet`, oldest first: a status callback Twilio could not deliver (our service was
    /// down, the network dropped it) would otherwise leave the call open for ever, its
    /// contact never retried and its Task never written.
    public func staleCalls(quiet: Duration, limit: Int) async throws -> [StaleCall] {
        let rows = try await database.client.query(
            """
            SELECT a.call_sid, a.id FROM dialer.call_attempts AS a
            LEFT JOIN dialer.calls AS c ON c.attempt_id = a.id
            WHERE a.state = 'placed' AND a.ended_at IS NULL
              AND greatest(a.updated_at, coalesce(c.updated_at, a.updated_at)) < now() - make_interval(secs => \(quiet.seconds))
            ORDER BY greatest(a.updated_at, coalesce(c.updated_at, a.updated_at))
            LIMIT \(limit)
            """,
            logger: database.logger
        )
        var stale: [StaleCall] = []
        for try await (sid, attempt) in rows.decode((String, UUID).self) { stale.append(StaleCall(callSID: sid, attemptID: attempt)) }
        return stale
    }
}
