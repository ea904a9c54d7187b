import Foundation
import PostgresNIO
import Queue
import Redaction

/// A row of `dialer.call_attempts`.
public struct CallAttempt: Sendable, Equatable {
    public enum State: String, Sendable {
        case dialing, placed, failed, unknown
    }

    public let id: UUID
    public let contactID: Int64
    public let campaignID: Int64
    public let attemptNumber: Int
    public let jobID: Int64?
    public let state: State
    public let to: String
    public let callSID: String?
    public let twilioErrorCode: Int?
    public let createdAt: Date
}

/// Call attempts: one row per dial, committed before the request to Twilio, then settled.
public struct CallAttemptStore: Sendable {
    /// What `begin` found.
    public enum Start: Sendable, Equatable {
        /// A new attempt row, committed: the call may be placed now.
        case started(CallAttempt)
        /// The contact has an attempt nobody knows the outcome of: reconcile it, do not dial.
        case unsettled(CallAttempt)
        /// The campaign has `inFlight` calls in flight, its maximum or more.
        case campaignFull(inFlight: Int)
        /// The campaign is no longer active, or the number joined the DNC list: do not dial.
        case stopped(reason: String)
    }

    /// How long an attempt counts as in flight without an end: Twilio ends calls at 4 hours,
    /// so an older one lost its last callback and must not hold the campaign's capacity.
    public static let longestCall = "4 hours"

    public let database: Database

    public init(database: Database) {
        self.database = database
    }

    static let columns = "id, contact_id, campaign_id, attempt_number, job_id, state, to_e164, call_sid, twilio_error_code, created_at"

    /// Inserts the contact's next attempt (number = the highest so far + 1) and commits it,
    /// with the id of the API call that made the contact (`contacts.request_id`) while no
    /// attempt holds it (so an API call's first dial has the call's id), else a new one;
    /// unless the campaign is not active, the number is on the DNC list, the contact has an
    /// unsettled attempt, the campaign has `maxInFlight` calls in flight, or (with `fence`) the
    /// job's run no longer holds its lease. Begins of one campaign are serialized, so the cap
    /// holds across workers.
    public func begin(
        contactID: Int64,
        campaignID: Int64,
        jobID: Int64?,
        to: String,
        from: String,
        maxInFlight: Int,
        slotAt: Double?,
        fence: JobLease? = nil
    ) async throws -> Start {
        try await database.client.withTransaction(logger: database.logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(7001, \(Int32(truncatingIfNeeded: campaignID)))", logger: database.logger)
            if let fence {
                // The job must still be this run's: a worker whose lease was taken back (cut off
                // from Postgres past it, or stalled) must not begin a call the job's new run may
                // begin too. FOR SHARE holds off the rescuer until this transaction ends.
                let held = try await connection.query(
                    "SELECT 1 FROM dialer.jobs WHERE id = \(fence.id) AND attempt = \(fence.attempt) AND state = 'running' FOR SHARE",
                    logger: database.logger
                )
                if try await held.decode(Int.self).reduce(0, { $0 + $1 }) == 0 { return .stopped(reason: "the job is no longer this run's") }
            }
            let checks = try await connection.query(
                """
                SELECT status, EXISTS (SELECT 1 FROM dialer.dnc WHERE phone_e164 = \(to))
                FROM dialer.campaigns WHERE id = \(campaignID)
                """,
                logger: database.logger
            )
            for try await (status, onDoNotCallList) in checks.decode((String, Bool).self) {
                if status != "active" { return .stopped(reason: "the campaign is \(status)") }
                if onDoNotCallList { return .stopped(reason: "the number is on the DNC list") }
            }
            let unsettled = try await connection.query(
                "SELECT \(unescaped: Self.columns) FROM dialer.call_attempts WHERE contact_id = \(contactID) AND state IN ('dialing', 'unknown')",
                logger: database.logger
            )
            for try await attempt in unsettled.decode(Row.self) { return .unsettled(Self.attempt(attempt)) }
            let inFlight = try await connection.query(
                """
                SELECT count(*)::int FROM dialer.call_attempts
                WHERE campaign_id = \(campaignID) AND ended_at IS NULL AND state <> 'failed'
                  AND created_at > now() - \(Self.longestCall)::interval
                """,
                logger: database.logger
            )
            let count = try await inFlight.decode(Int.self).reduce(0) { $1 }
            if count >= maxInFlight { return .campaignFull(inFlight: count) }
            let inserted = try await connection.query(
                """
                INSERT INTO dialer.call_attempts (id, contact_id, campaign_id, attempt_number, job_id, to_e164, from_e164, slot_at)
                SELECT coalesce((SELECT k.request_id FROM dialer.contacts AS k
                                 WHERE k.id = \(contactID) AND NOT EXISTS (SELECT 1 FROM dialer.call_attempts AS x WHERE x.id = k.request_id)),
                                gen_random_uuid()),
                       \(contactID), \(campaignID), coalesce(max(attempt_number), 0) + 1, \(jobID), \(to), \(from), to_timestamp(\(slotAt)::float8)
                FROM dialer.call_attempts WHERE contact_id = \(contactID)
                RETURNING \(unescaped: Self.columns)
                """,
                logger: database.logger
            )
            for try await attempt in inserted.decode(Row.self) { return .started(Self.attempt(attempt)) }
            throw CallAttemptError.notInserted(contactID: contactID)
        }
    }

    /// Twilio accepted the call: the contact has one more call.
    @discardableResult
    public func markPlaced(_ id: UUID, callSID: String) async throws -> Bool {
        try await settle(id, to: .placed, callSID: callSID, code: nil, message: nil)
    }

    /// Twilio refused the call, or it never reached Twilio: nothing rang.
    @discardableResult
    public func markFailed(_ id: UUID, code: Int?, message: String) async throws -> Bool {
        try await settle(id, to: .failed, callSID: nil, code: code, message: message)
    }

    /// The POST's outcome is unknown: reconcile before anything else happens to this contact.
    @discardableResult
    public func markUnknown(_ id: UUID, message: String) async throws -> Bool {
        try await settle(id, to: .unknown, callSID: nil, code: nil, message: message)
    }

    /// Moves an unsettled attempt (dialing or unknown) on; a settled one never changes.
    func settle(_ id: UUID, to state: CallAttempt.State, callSID: String?, code: Int?, message: String?) async throws -> Bool {
        let rows = try await database.client.query(
            """
            WITH settled AS (
                UPDATE dialer.call_attempts
                SET state = \(state.rawValue), call_sid = \(callSID), twilio_error_code = \(code), error_message = \(message.map(PhoneNumberRedaction.redacting)), updated_at = now()
                WHERE id = \(id) AND state IN ('dialing', 'unknown')
                RETURNING contact_id, state
            ), counted AS (
                UPDATE dialer.contacts AS k SET attempts = k.attempts + 1
                FROM settled WHERE k.id = settled.contact_id AND settled.state = 'placed'
                RETURNING k.id
            )
            SELECT count(*)::int FROM settled
            """,
            logger: database.logger
        )
        return try await rows.decode(Int.self).reduce(0) { $1 } > 0
    }

    /// Removes an attempt that was never sent (its rate slot was missed): a dialing row only.
    @discardableResult
    public func abandon(_ id: UUID) async throws -> Bool {
        let rows = try await database.client.query(
            "DELETE FROM dialer.call_attempts WHERE id = \(id) AND state = 'dialing' RETURNING id",
            logger: database.logger
        )
        for try await _ in rows { return true }
        return false
    }

    public func attempt(id: UUID) async throws -> CallAttempt? {
        try await first("SELECT \(unescaped: Self.columns) FROM dialer.call_attempts WHERE id = \(id)")
    }

    public func attempt(contactID: Int64, attemptNumber: Int) async throws -> CallAttempt? {
        try await first(
            "SELECT \(unescaped: Self.columns) FROM dialer.call_attempts WHERE contact_id = \(contactID) AND attempt_number = \(attemptNumber)"
        )
    }

    /// The latest attempt a job made, if any: a rescued job finds what it did before it died.
    public func latest(jobID: Int64) async throws -> CallAttempt? {
        try await first(
            "SELECT \(unescaped: Self.columns) FROM dialer.call_attempts WHERE job_id = \(jobID) ORDER BY attempt_number DESC LIMIT 1"
        )
    }

    /// What the voice webhook needs to answer a call: the attempt's ids and its campaign's
    /// disclosure, when `attemptID` names an attempt whose CallSid is `callSID` or not yet known.
    public func answering(attemptID: UUID, callSID: String) async throws -> AnsweredAttempt? {
        let rows = try await database.client.query(
            """
            SELECT a.id, a.campaign_id, a.contact_id, c.disclosure
            FROM dialer.call_attempts AS a JOIN dialer.campaigns AS c ON c.id = a.campaign_id
            WHERE a.id = \(attemptID) AND (a.call_sid IS NULL OR a.call_sid = \(callSID))
            """,
            logger: database.logger
        )
        for try await (id, campaign, contact, disclosure) in rows.decode((UUID, Int64, Int64, String?).self) {
            return AnsweredAttempt(attemptID: id, campaignID: campaign, contactID: contact, disclosure: disclosure)
        }
        return nil
    }

    /// Which of `callSIDs` already belong to an attempt.
    public func knownCallSIDs(_ callSIDs: [String]) async throws -> Set<String> {
        let rows = try await database.client.query(
            "SELECT call_sid FROM dialer.call_attempts WHERE call_sid = ANY(\(callSIDs)::text[])",
            logger: database.logger
        )
        return try await rows.decode(String.self).reduce(into: []) { $0.insert($1) }
    }

    typealias Row = (UUID, Int64, Int64, Int, Int64?, String, String, String?, Int?, Date)

    func first(_ query: PostgresQuery) async throws -> CallAttempt? {
        let rows = try await database.client.query(query, logger: database.logger)
        for try await row in rows.decode(Row.self) { return Self.attempt(row) }
        return nil
    }

    static func attempt(_ row: Row) -> CallAttempt {
        CallAttempt(
            id: row.0,
            contactID: row.1,
            campaignID: row.2,
            attemptNumber: row.3,
            jobID: row.4,
            state: CallAttempt.State(rawValue: row.5) ?? .unknown,
            to: row.6,
            callSID: row.7,
            twilioErrorCode: row.8,
            createdAt: row.9
        )
    }
}

/// An attempt whose call was answered, as the voice webhook sees it.
public struct AnsweredAttempt: Sendable, Equatable {
    public let attemptID: UUID
    public let campaignID: Int64
    public let contactID: Int64
    public let disclosure: String?
}

/// An attempt insert that returned nothing (it always returns its row).
public enum CallAttemptError: Error, Equatable {
    case notInserted(contactID: Int64)
}
