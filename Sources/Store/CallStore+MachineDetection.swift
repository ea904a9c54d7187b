import Foundation
import PostgresNIO

/// Answering-machine detection results (Twilio's AsyncAmd callback).
extension CallStore {
    /// What recording an AMD result did.
    public enum MachineDetectionResult: Sendable, Equatable {
        case duplicate, orphan
        /// Recorded. `hangUp`: a machine answered and the campaign's voicemail policy is to
        /// hang up. `leaveVoicemail`: the machine's greeting has ended and the campaign leaves
        /// messages: the call's conversation says its message now.
        case recorded(machine: Bool, hangUp: Bool, leaveVoicemail: Bool = false)
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
                "SELECT voicemail_policy, dialer.leaves_voicemail(\(answeredBy), voicemail_policy) FROM dialer.campaigns WHERE id = \(attempt.campaign)",
                logger: logger
            )
            var policy = RetryPolicy.VoicemailPolicy.hangUp
            var leaveVoicemail = false
            for try await (text, leaves) in rows.decode((String, Bool).self) {
                policy = RetryPolicy.VoicemailPolicy(rawValue: text) ?? .hangUp
                leaveVoicemail = leaves
            }
            let machine = Self.isMachine(answeredBy)
            return .recorded(machine: machine, hangUp: machine && policy == .hangUp, leaveVoicemail: leaveVoicemail)
        }
    }

    /// Twilio's AnsweredBy values for anything but a person.
    public static func isMachine(_ answeredBy: String) -> Bool {
        answeredBy.hasPrefix("machine") || answeredBy == "fax"
    }

    /// The calls among `callSIDs` whose conversation should be leaving its voicemail
    /// message: what a process that missed the signal (its LISTEN connection was down) finds
    /// when it listens again.
    public func callsLeavingVoicemail(among callSIDs: [String]) async throws -> [String] {
        guard !callSIDs.isEmpty else { return [] }
        let rows = try await database.client.query(
            """
            SELECT c.call_sid FROM dialer.calls AS c
            JOIN dialer.call_attempts AS a ON a.id = c.attempt_id JOIN dialer.campaigns AS p ON p.id = a.campaign_id
            WHERE c.call_sid = ANY(\(callSIDs)) AND dialer.leaves_voicemail(c.answered_by, p.voicemail_policy)
            """,
            logger: logger
        )
        var found: [String] = []
        for try await sid in rows.decode(String.self) { found.append(sid) }
        return found
    }

    /// Tells every `dialer serve` process that `callSID`'s conversation must leave its
    /// voicemail message: the one holding its media stream acts on it (``CallSignal``).
    public func signal(_ signal: CallSignal) async throws {
        try await database.client.query("SELECT pg_notify(\(CallSignal.channel), \(signal.payload))", logger: logger)
    }
}
