import Foundation
import PostgresNIO

/// A row of `dialer.call_attempts`.
public struct CallAttempt: Sendable, Equatable {
    public enum State: String, Sendable {
        case dialing, placed, failed, unknown
    }

    public let id: UUID
    public let contactID: Int64
    public let attemptNumber: Int
    public let state: State
    public let callSID: String?
    public let twilioErrorCode: Int?
}

/// Call attempts: started once per (contact, attempt number), then settled.
public struct CallAttemptStore: Sendable {
    /// What `begin` found.
    public enum Start: Sendable, Equatable {
        /// A new attempt row, committed: the call may be placed now.
        case started(UUID)
        /// This attempt was started before (the job ran already): reconcile it, do not dial.
        case existing(CallAttempt)
    }

    public let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// Commits the attempt row before any request to Twilio; a second start of the same
    /// attempt number returns the first one instead.
    public func begin(
        contactID: Int64, campaignID: Int64, attemptNumber: Int, jobID: Int64?, to: String, from: String
    ) async throws -> Start {
        let rows = try await database.client.query(
            """
            INSERT INTO dialer.call_attempts (contact_id, campaign_id, attempt_number, job_id, to_e164, from_e164)
            VALUES (\(contactID), \(campaignID), \(attemptNumber), \(jobID), \(to), \(from))
            ON CONFLICT (contact_id, attempt_number) DO NOTHING
            RETURNING id
            """,
            logger: database.logger
        )
        for try await id in rows.decode(UUID.self) { return .started(id) }
        guard let existing = try await attempt(contactID: contactID, attemptNumber: attemptNumber) else {
            throw CallAttemptError.vanished(contactID: contactID, attemptNumber: attemptNumber)
        }
        return .existing(existing)
    }

    /// Twilio accepted the call.
    @discardableResult
    public func markPlaced(_ id: UUID, callSID: String) async throws -> Bool {
        try await settle(id, to: .placed, callSID: callSID, code: nil, message: nil)
    }

    /// Twilio refused the call: nothing rang.
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
            UPDATE dialer.call_attempts
            SET state = \(state.rawValue), call_sid = \(callSID), twilio_error_code = \(code), error_message = \(message), updated_at = now()
            WHERE id = \(id) AND state IN ('dialing', 'unknown')
            RETURNING id
            """,
            logger: database.logger
        )
        for try await _ in rows { return true }
        return false
    }

    public func attempt(contactID: Int64, attemptNumber: Int) async throws -> CallAttempt? {
        let rows = try await database.client.query(
            """
            SELECT id, contact_id, attempt_number, state, call_sid, twilio_error_code FROM dialer.call_attempts
            WHERE contact_id = \(contactID) AND attempt_number = \(attemptNumber)
            """,
            logger: database.logger
        )
        for try await (id, contact, number, state, sid, code) in rows.decode((UUID, Int64, Int, String, String?, Int?).self) {
            return CallAttempt(id: id, contactID: contact, attemptNumber: number, state: CallAttempt.State(rawValue: state) ?? .unknown, callSID: sid, twilioErrorCode: code)
        }
        return nil
    }
}

/// An attempt that conflicted on insert but cannot be read back (deleted in between).
public enum CallAttemptError: Error, Equatable {
    case vanished(contactID: Int64, attemptNumber: Int)
}
