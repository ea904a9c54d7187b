import Foundation
import PostgresNIO

/// Calls the agent handed to a person (the campaign's transfer number).
extension CallStore {
    /// Records that `callSID` was handed to `number`: on the call (the Task says to whom)
    /// and as its contact's outcome, `transferred`, which the end of the call keeps.
    public func recordHandOff(callSID: String, attemptID: UUID, to number: String) async throws {
        try await database.client.query(
            """
            WITH call AS (
                INSERT INTO dialer.calls (call_sid, attempt_id, status, answered_at, transferred_to, transferred_at)
                VALUES (\(callSID), \(attemptID), 'in-progress', now(), \(number), now())
                ON CONFLICT (call_sid) DO UPDATE SET transferred_to = EXCLUDED.transferred_to, transferred_at = now(), updated_at = now()
            )
            UPDATE dialer.contacts AS k SET outcome = 'transferred'
            FROM dialer.call_attempts AS a WHERE a.id = \(attemptID) AND k.id = a.contact_id AND k.outcome IS NULL
            """,
            logger: logger
        )
    }

    /// Who the person taking a handed-over call is told it is: the contact's name.
    public func handOffCallee(attemptID: UUID) async throws -> (firstName: String?, lastName: String?)? {
        let rows = try await database.client.query(
            """
            SELECT k.first_name, k.last_name FROM dialer.call_attempts AS a JOIN dialer.contacts AS k ON k.id = a.contact_id
            WHERE a.id = \(attemptID)
            """,
            logger: logger
        )
        for try await (first, last) in rows.decode((String?, String?).self) { return (first, last) }
        return nil
    }
}
