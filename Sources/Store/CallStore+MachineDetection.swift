import Foundation
import PostgresNIO

/// Answering-machine detection results (Twilio's AsyncAmd callback).
extension CallStore {
    /// What recording an AMD result did.
    public enum MachineDetectionResult: Sendable, Equatable {
        case duplicate, orphan
        /// Recorded. `hangUp`: a machine answered and the campaign's voicemail policy is to hang up.
        case recorded(machine: Bool, hangUp: Bool)
    }

    /// Records who answered (`human`, `machine_start`, `machine_end_beep`, …, `fax`, `unknown`)
    /// on the call, once; the retry policy reads it when the call ends.
    public func recordMachineDetection(
        callSID: String,
        attemptID: UUID?,
        answeredBy: String,
        parameters: [String: String]
    ) async throws -> MachineDetectionResult {
        var event = CallStatusEvent(callSID: callSID, attemptID: attemptID, sequenceNumber: -1, status: "amd", parameters: parameters)
        event.answeredBy = answeredBy
        return try await database.client.withTransaction(logger: logger) { connection in
            let attempt: AdmittedAttempt
            switch try await admit(event, on: connection) {
            case .orphan: return .orphan
            case .duplicate: return .duplicate
            case .new(let admitted): attempt = admitted
            }
            // AMD reports only on answered calls: a call no status callback announced yet is in progress.
            try await connection.query(
                """
                INSERT INTO dialer.calls (call_sid, attempt_id, status, answered_by, answered_at)
                VALUES (\(callSID), \(attempt.id), 'in-progress', \(answeredBy), now())
                ON CONFLICT (call_sid) DO UPDATE SET answered_by = EXCLUDED.answered_by, updated_at = now()
                """,
                logger: logger
            )
            let rows = try await connection.query(
                "SELECT voicemail_policy FROM dialer.campaigns WHERE id = \(attempt.campaign)",
                logger: logger
            )
            var policy = RetryPolicy.VoicemailPolicy.hangUp
            for try await text in rows.decode(String.self) { policy = RetryPolicy.VoicemailPolicy(rawValue: text) ?? .hangUp }
            let machine = Self.isMachine(answeredBy)
            return .recorded(machine: machine, hangUp: machine && policy == .hangUp)
        }
    }

    /// Twilio's AnsweredBy values for anything but a person.
    public static func isMachine(_ answeredBy: String) -> Bool {
        answeredBy.hasPrefix("machine") || answeredBy == "fax"
    }
}
