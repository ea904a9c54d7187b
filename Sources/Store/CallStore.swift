import Backoff
import Foundation
import Logging
import PostgresNIO

/// Calls and their status callbacks: each callback recorded once, a call's status only moving
/// forward, and the end of a call acted on in the same transaction (retry policy, finalize job).
public struct CallStore: Sendable {
    public static let finalizeKind = "finalize_call"

    public let database: Database
    /// How long after a call ends its Task is written: late callbacks and the last transcript
    /// entries arrive in the meantime.
    public var finalizeGrace: Duration = .seconds(10)

    public init(database: Database) {
        self.database = database
    }

    var logger: Logger { database.logger }

    public func record(_ event: CallStatusEvent) async throws -> CallStatusResult {
        try await database.client.withTransaction(logger: logger) { connection in
            let attempt: AdmittedAttempt
            switch try await admit(event, on: connection) {
            case .orphan: return .orphan
            case .duplicate: return .duplicate
            case .new(let admitted): attempt = admitted
            }
            let before = try await connection.query(
                "SELECT status, answered_by FROM dialer.calls WHERE call_sid = \(event.callSID)", logger: logger
            )
            var previous: (status: String, answeredBy: String?)?
            for try await row in before.decode((String, String?).self) { previous = row }
            let moved = previous.map { CallStatusEvent.rank(event.status) > CallStatusEvent.rank($0.status) } ?? true
            // A status that does not move the call forward changes nothing but the facts no
            // other callback gives (when the call was answered), so any order ends the same.
            let at = event.timestamp ?? Date()
            try await connection.query(
                """
                INSERT INTO dialer.calls AS c (call_sid, attempt_id, status, sequence_number, answered_by, duration_seconds,
                                               sip_response_code, answered_at, ended_at)
                VALUES (\(event.callSID), \(attempt.id), \(event.status), \(event.sequenceNumber), \(event.answeredBy),
                        \(event.durationSeconds), \(event.sipResponseCode),
                        CASE WHEN \(event.status) = 'in-progress' THEN \(at) END,
                        CASE WHEN dialer.call_status_rank(\(event.status)) = 4 THEN \(at) END)
                ON CONFLICT (call_sid) DO UPDATE SET
                    status = CASE WHEN \(moved) THEN EXCLUDED.status ELSE c.status END,
                    sequence_number = CASE WHEN \(moved) THEN EXCLUDED.sequence_number ELSE c.sequence_number END,
                    answered_by = coalesce(c.answered_by, EXCLUDED.answered_by),
                    duration_seconds = CASE WHEN \(moved) THEN EXCLUDED.duration_seconds ELSE c.duration_seconds END,
                    sip_response_code = CASE WHEN \(moved) THEN EXCLUDED.sip_response_code ELSE c.sip_response_code END,
                    answered_at = coalesce(c.answered_at, EXCLUDED.answered_at),
                    ended_at = CASE WHEN \(moved) THEN EXCLUDED.ended_at ELSE c.ended_at END,
                    updated_at = now()
                """,
                logger: logger
            )
            guard moved else { return .recorded(moved: false, ended: nil) }
            guard event.isTerminal else { return .recorded(moved: true, ended: nil) }
            let ending = try await end(event, attempt: attempt.id, contact: attempt.contact, answeredBy: previous?.answeredBy, on: connection)
            return .recorded(moved: true, ended: ending)
        }
    }

    enum Admission {
        case orphan, duplicate
        case new(AdmittedAttempt)
    }

    struct AdmittedAttempt {
        let id: UUID
        let contact: Int64
        let campaign: Int64
    }

    /// Finds the event's attempt (by the URL's attempt id, else by CallSid) and locks it, so one
    /// call's callbacks apply one at a time; keeps the event once (an orphan when no attempt
    /// matches, or the attempt holds another CallSid); and settles an attempt the worker could
    /// not: a callback proves the call exists.
    func admit(_ event: CallStatusEvent, on connection: PostgresConnection) async throws -> Admission {
        let params = String(decoding: try JSONEncoder().encode(event.parameters), as: UTF8.self)
        let found = try await connection.query(
            """
            SELECT id, contact_id, campaign_id, call_sid FROM dialer.call_attempts
            WHERE id = \(event.attemptID) OR call_sid = \(event.callSID)
            ORDER BY (id = \(event.attemptID)) DESC NULLS LAST LIMIT 1
            FOR UPDATE
            """,
            logger: logger
        )
        var attempt: (id: UUID, contact: Int64, campaign: Int64, sid: String?)?
        for try await row in found.decode((UUID, Int64, Int64, String?).self) { attempt = row }
        let orphan = attempt.map { $0.sid != nil && $0.sid != event.callSID } ?? true
        let inserted = try await connection.query(
            """
            INSERT INTO dialer.call_events (call_sid, sequence_number, status, attempt_id, orphan, params)
            VALUES (\(event.callSID), \(event.sequenceNumber), \(event.status), \(orphan ? event.attemptID : attempt?.id), \(orphan), \(params)::jsonb)
            ON CONFLICT (call_sid, sequence_number, status) DO NOTHING
            RETURNING id
            """,
            logger: logger
        )
        var isNew = false
        for try await _ in inserted { isNew = true }
        guard let attempt, !orphan else { return .orphan }
        guard isNew else { return .duplicate }
        try await connection.query(
            """
            WITH settled AS (
                UPDATE dialer.call_attempts SET state = 'placed', call_sid = \(event.callSID), updated_at = now()
                WHERE id = \(attempt.id) AND state IN ('dialing', 'unknown')
                RETURNING contact_id
            )
            UPDATE dialer.contacts AS k SET attempts = k.attempts + 1 FROM settled WHERE k.id = settled.contact_id
            """,
            logger: logger
        )
        return .new(AdmittedAttempt(id: attempt.id, contact: attempt.contact, campaign: attempt.campaign))
    }

    /// The call ended: the attempt leaves the campaign's calls in flight, the retry policy
    /// decides the contact's next step, and the call's Task is queued.
    func end(_ event: CallStatusEvent, attempt: UUID, contact: Int64, answeredBy: String?, on connection: PostgresConnection) async throws -> CallEnding {
        try await connection.query("UPDATE dialer.call_attempts SET ended_at = now() WHERE id = \(attempt)", logger: logger)
        let rows = try await connection.query(
            """
            SELECT k.attempts, k.campaign_id, c.retry_delays::text, c.max_attempts, c.voicemail_policy
            FROM dialer.contacts AS k JOIN dialer.campaigns AS c ON c.id = k.campaign_id WHERE k.id = \(contact)
            """,
            logger: logger
        )
        var decision = RetryPolicy.Decision.final(outcome: "failed")
        var campaignID: Int64 = 0, calls = 0
        for try await (attempts, campaign, delays, maxAttempts, voicemail) in rows.decode((Int, Int64, String, Int, String).self) {
            let retryDelays = (try? JSONDecoder().decode([String: Double].self, from: Data(delays.utf8))) ?? [:]
            let policy = RetryPolicy(retryDelays: retryDelays, maxAttempts: maxAttempts, voicemailPolicy: voicemail)
            decision = policy.decide(event.end(answeredBy: answeredBy), attempt: attempts)
            campaignID = campaign
            calls = attempts
        }
        switch decision {
        case .retry(let after):
            try await connection.query(
                """
                INSERT INTO dialer.jobs (kind, args, campaign_id, unique_key, run_at)
                VALUES (\(CampaignStore.placeCallKind), jsonb_build_object('contactID', \(contact)::bigint), \(campaignID),
                        \("place_call:\(contact):\(calls + 1)"), now() + make_interval(secs => \(after.seconds)))
                ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL AND state IN ('available', 'running', 'retryable') DO NOTHING
                """,
                logger: logger
            )
        case .final(let outcome):
            try await connection.query(
                "UPDATE dialer.contacts SET outcome = \(outcome) WHERE id = \(contact) AND outcome IS NULL", logger: logger
            )
        }
        try await connection.query(
            """
            INSERT INTO dialer.jobs (kind, args, campaign_id, unique_key, run_at)
            VALUES (\(Self.finalizeKind), jsonb_build_object('callSID', \(event.callSID)::text), \(campaignID),
                    \("finalize:\(event.callSID)"), now() + make_interval(secs => \(finalizeGrace.seconds)))
            ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL AND state IN ('available', 'running', 'retryable') DO NOTHING
            """,
            logger: logger
        )
        return CallEnding(contactID: contact, decision: decision)
    }
}
