/// What happens to a contact after a call ends: another attempt later, or a final outcome.
///
/// A pure function of how the call ended, which attempt it was, and the campaign's settings,
/// so the status webhook applies it inside the transaction that records the terminal status.
public struct RetryPolicy: Sendable, Equatable, Codable {
    /// What to do when a machine answers.
    public enum VoicemailPolicy: String, Sendable, Codable {
        /// Hang up (AMD) and call again later.
        case hangUp = "hang_up"
        /// Let the agent leave its message; that ends the contact.
        case leaveMessage = "leave_message"
    }

    public var busyDelay: Duration = .seconds(600)
    public var noAnswerDelay: Duration = .seconds(3600)
    public var machineDelay: Duration = .seconds(4 * 3600)
    /// After a failure Twilio or the network caused (5xx, timeouts); a permanent one never retries.
    public var transientFailureDelay: Duration = .seconds(900)
    /// Calls per contact, the first included.
    public var maxAttempts: Int = 3
    public var voicemail: VoicemailPolicy = .hangUp
    /// After a message was left: nil (the default) makes it the contact's final outcome; a
    /// campaign that wants to reach a person too sets `voicemail_left` in its retry delays.
    public var voicemailLeftDelay: Duration?

    public init() {}

    /// How a call ended, in the terms the policy needs.
    public enum CallEnd: Sendable, Equatable {
        /// Answered; `byMachine` from AMD (nil when AMD was off or undecided: treated as a person).
        case answered(byMachine: Bool?)
        case busy
        case noAnswer
        case failed(transient: Bool)
        /// Hung up before it connected, by us (campaign cancelled) or the caller.
        case canceled
    }

    /// The decision for one ended call.
    public enum Decision: Sendable, Equatable {
        case retry(after: Duration)
        /// The contact's final outcome, as stored in `contacts.outcome`.
        case final(outcome: String)
    }

    public func decide(_ end: CallEnd, attempt: Int) -> Decision {
        let attemptsLeft = attempt < maxAttempts
        switch end {
        case .answered(byMachine: true):
            switch voicemail {
            case .leaveMessage:
                if let delay = voicemailLeftDelay, attemptsLeft { return .retry(after: delay) }
                return .final(outcome: "voicemail_left")
            case .hangUp: return attemptsLeft ? .retry(after: machineDelay) : .final(outcome: "machine")
            }
        case .answered:
            return .final(outcome: "answered")
        case .busy:
            return attemptsLeft ? .retry(after: busyDelay) : .final(outcome: "busy")
        case .noAnswer:
            return attemptsLeft ? .retry(after: noAnswerDelay) : .final(outcome: "no_answer")
        case .failed(transient: true):
            return attemptsLeft ? .retry(after: transientFailureDelay) : .final(outcome: "failed")
        case .failed(transient: false):
            return .final(outcome: "failed")
        case .canceled:
            return .final(outcome: "canceled")
        }
    }

    /// A campaign's policy from its row: `retry_delays` (seconds by end: busy, no-answer,
    /// machine, failed, voicemail_left), `max_attempts` and `voicemail_policy`. Unknown keys are ignored;
    /// missing ones keep the defaults.
    public init(retryDelays: [String: Double], maxAttempts: Int, voicemailPolicy: String) {
        if let seconds = retryDelays["busy"] { busyDelay = .seconds(seconds) }
        if let seconds = retryDelays["no-answer"] { noAnswerDelay = .seconds(seconds) }
        if let seconds = retryDelays["machine"] { machineDelay = .seconds(seconds) }
        if let seconds = retryDelays["failed"] { transientFailureDelay = .seconds(seconds) }
        if let seconds = retryDelays["voicemail_left"] { voicemailLeftDelay = .seconds(seconds) }
        self.maxAttempts = max(1, maxAttempts)
        voicemail = VoicemailPolicy(rawValue: voicemailPolicy) ?? .hangUp
    }
}
