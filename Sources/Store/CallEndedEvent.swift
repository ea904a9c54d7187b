import Foundation
import Redaction

/// The `data` of a `call.ended` event: how one call went and what was said, once the media
/// stream has closed. The callee's number is personal data and a receiver rarely needs it
/// whole (it has the Contact's Salesforce id), so it is masked as everywhere the dialer shows
/// numbers (`PhoneNumberRedaction`: `+1415*****34`).
public struct CallEndedEvent: Sendable, Equatable, Codable {
    /// The call attempt's id (`call_attempts.id`), the dialer's id for the call.
    public var callId: String
    public var callSid: String
    public var campaign: String
    public var campaignId: Int64
    /// The Contact's Salesforce id; none for an API call to a number alone.
    public var contactId: String?
    /// The callee's number, masked.
    public var to: String
    /// 1 for the contact's first call, 2 for its first retry, …
    public var attempt: Int
    /// How the call ended, as its Salesforce Task says it (`dialer.call_disposition`):
    /// Answered, Voicemail, No Answer, Busy, Failed, Canceled.
    public var outcome: String
    /// The contact's final outcome once no other call follows (answered, no_answer, …), else nil.
    public var contactOutcome: String?
    /// Twilio's final CallStatus (completed, busy, no-answer, failed, canceled).
    public var twilioStatus: String
    /// Twilio's AnsweredBy (human, machine_start, …) when machine detection ran.
    public var answeredBy: String?
    public var durationSeconds: Int?
    public var answeredAt: Date?
    public var endedAt: Date
    public var transcript: [Entry]

    /// One turn: the callee's words as recognized, or the agent's as spoken; times are the
    /// stream's milliseconds.
    public struct Entry: Sendable, Equatable, Codable {
        public var seq: Int
        public var speaker: String
        public var text: String
        public var startMs: Int
        public var endMs: Int
        /// An agent turn the callee talked over: `endMs` is where playback was confirmed to reach.
        public var interrupted: Bool
    }

    /// `call.ended:<CallSid>`: the call's event is published once.
    public var subject: String { "call.ended:\(callSid)" }

    /// The payload as stored: camelCase keys, times in RFC 3339 UTC.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    static func masked(_ e164: String) -> String { PhoneNumberRedaction.masked(e164) }
}
