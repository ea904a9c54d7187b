import Foundation

/// One status callback from Twilio, as the webhook parsed it.
public struct CallStatusEvent: Sendable, Equatable {
    public var callSID: String
    /// From the callback URL (`?attempt=`); nil when it did not carry a valid one.
    public var attemptID: UUID?
    public var sequenceNumber: Int
    /// Twilio's CallStatus: queued, initiated, ringing, in-progress, completed, busy,
    /// no-answer, failed, canceled.
    public var status: String
    public var answeredBy: String?
    public var durationSeconds: Int?
    public var sipResponseCode: Int?
    /// When Twilio says the event happened (its `Timestamp`); nil: when it arrived.
    public var timestamp: Date?
    /// Every parameter as received, kept in `call_events.params`.
    public var parameters: [String: String]

    public init(callSID: String, attemptID: UUID?, sequenceNumber: Int, status: String, parameters: [String: String]) {
        self.callSID = callSID
        self.attemptID = attemptID
        self.sequenceNumber = sequenceNumber
        self.status = status
        self.parameters = parameters
    }

    public static let statuses = ["queued", "initiated", "ringing", "in-progress", "completed", "busy", "no-answer", "failed", "canceled"]

    /// The order statuses move in; every terminal status ranks last (sql/0008 holds the same).
    public static func rank(_ status: String) -> Int {
        switch status {
        case "queued": 0
        case "initiated": 1
        case "ringing": 2
        case "in-progress": 3
        default: 4
        }
    }

    public var isTerminal: Bool { Self.rank(status) == 4 }

    /// The parameters as a JSON object, for `call_events.params`. Written by hand: a string
    /// map needs only escaping, and JSONEncoder cost more than the rest of a callback.
    var parametersJSON: String {
        var json: [UInt8] = [UInt8(ascii: "{")]
        json.reserveCapacity(512)
        for (index, (name, value)) in parameters.sorted(by: { $0.key < $1.key }).enumerated() {
            if index > 0 { json.append(UInt8(ascii: ",")) }
            Self.appendJSONString(name, to: &json)
            json.append(UInt8(ascii: ":"))
            Self.appendJSONString(value, to: &json)
        }
        json.append(UInt8(ascii: "}"))
        return String(decoding: json, as: UTF8.self)
    }

    static func appendJSONString(_ text: String, to json: inout [UInt8]) {
        json.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                json += [UInt8(ascii: "\\"), byte]
            // Postgres's jsonb refuses \u0000; a NUL in a callback is kept visibly instead.
            case 0:
                json += Array("\\ufffd".utf8)
            case 1..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                json += [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            default:
                json.append(byte)  // UTF-8 passes through: JSON text is UTF-8
            }
        }
        json.append(UInt8(ascii: "\""))
    }

    /// How the call ended, in the retry policy's terms (meaningful for terminal statuses).
    public func end(answeredBy stored: String?) -> RetryPolicy.CallEnd {
        switch status {
        case "completed":
            let by = answeredBy ?? stored
            return .answered(byMachine: by.map(CallStore.isMachine))
        case "busy": return .busy
        case "no-answer": return .noAnswer
        case "canceled": return .canceled
        // A carrier or network failure (SIP 5xx, or none given) may pass; a 4xx will not.
        default: return .failed(transient: sipResponseCode.map { $0 >= 500 } ?? true)
        }
    }
}

/// What recording a status callback did.
public enum CallStatusResult: Sendable, Equatable {
    /// The same (CallSid, SequenceNumber, status) was recorded before: nothing changed.
    case duplicate
    /// No attempt matches: the event is kept as an orphan, nothing else changes.
    case orphan
    /// Recorded. `moved`: the call's status moved forward. `ended`: this event ended the call.
    case recorded(moved: Bool, ended: CallEnding?)
}

/// What happened to the contact when its call ended.
public struct CallEnding: Sendable, Equatable {
    public let contactID: Int64
    public let decision: RetryPolicy.Decision

    public init(contactID: Int64, decision: RetryPolicy.Decision) {
        self.contactID = contactID
        self.decision = decision
    }
}
