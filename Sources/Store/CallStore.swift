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

    /// Records a status callback: one statement for any event that does not end the call; an
    /// ending one also applies the retry policy and queues the Task, in the same transaction.
    public func record(_ event: CallStatusEvent) async throws -> CallStatusResult {
        guard event.isTerminal else {
            return try await apply(event, on: nil).result
        }
        return try await database.client.withTransaction(logger: logger) { connection in
            let applied = try await apply(event, on: connection)
            guard case .ended(let ended) = applied else { return applied.result }
            return .recorded(moved: true, ended: try await end(event, ended, on: connection))
        }
    }

    /// What `dialer.record_call_status` did with an event.
    enum Applied {
        case orphan, duplicate, stale, moved
        case ended(EndedCall)

        var result: CallStatusResult {
            switch self {
            case .orphan: .orphan
            case .duplicate: .duplicate
            case .stale: .recorded(moved: false, ended: nil)
            case .moved: .recorded(moved: true, ended: nil)
            case .ended: .recorded(moved: true, ended: nil)
            }
        }
    }

    /// What the retry policy needs about the call that just ended.
    struct EndedCall {
        let contact: Int64
        let campaign: Int64
        let answeredBy: String?
        let attempts: Int
        let policy: RetryPolicy
    }

    /// Runs `dialer.record_call_status` (sql/0010) on `connection`, or on any pooled connection
    /// as a statement of its own.
    func apply(_ event: CallStatusEvent, on connection: PostgresConnection?) async throws -> Applied {
        let params = String(decoding: try JSONEncoder().encode(event.parameters), as: UTF8.self)
        let query: PostgresQuery = """
            SELECT outcome, contact_id, campaign_id, answered_by, attempts, retry_delays, max_attempts, voicemail_policy
            FROM dialer.record_call_status(\(event.callSID), \(event.attemptID)::uuid, \(event.sequenceNumber)::integer, \(event.status),
                 \(event.answeredBy)::text, \(event.durationSeconds)::integer, \(event.sipResponseCode)::integer,
                 \(event.timestamp ?? Date()), \(params)::jsonb)
            """
        let rows = if let connection {
            try await connection.query(query, logger: logger)
        } else {
            try await database.client.query(query, logger: logger)
        }
        var applied = Applied.orphan
        for try await (outcome, contact, campaign, answeredBy, attempts, delays, maxAttempts, voicemail) in rows.decode(
            (String, Int64?, Int64?, String?, Int?, String?, Int?, String?).self
        ) {
            switch outcome {
            case "duplicate": applied = .duplicate
            case "stale": applied = .stale
            case "moved": applied = .moved
            case "ended":
                let retryDelays = delays.flatMap { try? JSONDecoder().decode([String: Double].self, from: Data($0.utf8)) } ?? [:]
                applied = .ended(EndedCall(
                    contact: contact ?? 0, campaign: campaign ?? 0, answeredBy: answeredBy, attempts: attempts ?? 0,
                    policy: RetryPolicy(retryDelays: retryDelays, maxAttempts: maxAttempts ?? 1, voicemailPolicy: voicemail ?? "")
                ))
            default: applied = .orphan
            }
        }
        return applied
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

    /// Admits an event through `dialer.admit_call_event` (sql/0010): finds and locks its
    /// attempt, keeps the event once, settles an attempt the worker could not.
    func admit(_ event: CallStatusEvent, on connection: PostgresConnection) async throws -> Admission {
        let params = String(decoding: try JSONEncoder().encode(event.parameters), as: UTF8.self)
        let rows = try await connection.query(
            """
            SELECT admission, attempt_id, contact_id, campaign_id
            FROM dialer.admit_call_event(\(event.callSID), \(event.attemptID)::uuid, \(event.sequenceNumber)::integer, \(event.status), \(params)::jsonb)
            """,
            logger: logger
        )
        var admission = Admission.orphan
        for try await (kind, attempt, contact, campaign) in rows.decode((String, UUID?, Int64?, Int64?).self) {
            if kind == "duplicate" { admission = .duplicate }
            if kind == "new", let attempt, let contact, let campaign {
                admission = .new(AdmittedAttempt(id: attempt, contact: contact, campaign: campaign))
            }
        }
        return admission
    }

    /// The call ended: the retry policy decides the contact's next step (another PlaceCall
    /// after its delay, or its final outcome), and the call's Task is queued.
    func end(_ event: CallStatusEvent, _ ended: EndedCall, on connection: PostgresConnection) async throws -> CallEnding {
        let decision = ended.policy.decide(event.end(answeredBy: ended.answeredBy), attempt: ended.attempts)
        let contact = ended.contact, campaignID = ended.campaign, calls = ended.attempts
        var retryAfter: Double?, outcome: String?
        switch decision {
        case .retry(let after): retryAfter = after.seconds
        case .final(let final): outcome = final
        }
        // One statement: the next PlaceCall or the contact's outcome, and the Task's job.
        try await connection.query(
            """
            WITH next_call AS (
                INSERT INTO dialer.jobs (kind, args, campaign_id, unique_key, run_at)
                SELECT \(CampaignStore.placeCallKind), jsonb_build_object('contactID', \(contact)::bigint), \(campaignID),
                       \("place_call:\(contact):\(calls + 1)"), now() + make_interval(secs => \(retryAfter))
                WHERE \(retryAfter)::double precision IS NOT NULL
                ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL AND state IN ('available', 'running', 'retryable') DO NOTHING
            ), final_outcome AS (
                UPDATE dialer.contacts SET outcome = \(outcome)
                WHERE id = \(contact) AND outcome IS NULL AND \(outcome)::text IS NOT NULL
            )
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
