import Foundation

/// What the dialer asks Twilio for when it places a call.
public struct CallRequest: Sendable, Equatable {
    public var to: String
    public var from: String
    /// Where Twilio fetches the TwiML when the call is answered.
    public var url: String
    /// Where status callbacks go; carries the attempt id, so callbacks find the attempt even
    /// when the worker died before saving the CallSid.
    public var statusCallback: String
    public var statusCallbackEvents: [String] = ["initiated", "ringing", "answered", "completed"]
    /// Seconds to let it ring.
    public var timeout: Int = 30
    /// Answering-machine detection, reported asynchronously to `asyncAmdStatusCallback`.
    public var asyncAmdStatusCallback: String?
    /// `Enable` reports a machine as soon as AMD is sure (`machine_start`); `DetectMessageEnd`
    /// waits for the end of its greeting (`machine_end_beep`, `_silence`, `_other`), for
    /// calls that leave a message.
    public var machineDetection = "Enable"

    public init(to: String, from: String, url: String, statusCallback: String) {
        self.to = to
        self.from = from
        self.url = url
        self.statusCallback = statusCallback
    }

    /// The form Twilio's Calls resource takes: one StatusCallbackEvent field per event.
    var form: [(String, String)] {
        var fields = [
            ("To", to), ("From", from), ("Url", url), ("StatusCallback", statusCallback),
            ("StatusCallbackMethod", "POST"), ("Timeout", String(timeout)),
        ]
        fields += statusCallbackEvents.map { ("StatusCallbackEvent", $0) }
        if let asyncAmdStatusCallback {
            fields += [
                ("MachineDetection", machineDetection), ("AsyncAmd", "true"),
                ("AsyncAmdStatusCallback", asyncAmdStatusCallback), ("AsyncAmdStatusCallbackMethod", "POST"),
            ]
        }
        return fields
    }
}

/// A call as Twilio's Calls resource describes it.
public struct TwilioCall: Decodable, Sendable, Equatable {
    public let sid: String
    public let account_sid: String?
    public let to: String
    public let from: String
    public let status: String
    /// RFC 2822, as Twilio writes dates: `Wed, 25 Nov 2026 01:03:39 +0000`.
    public let date_created: String?
    public let start_time: String?
    public let end_time: String?
    public let duration: String?
    public let answered_by: String?

    /// `date_created` as a date.
    public var dateCreated: Date? { date_created.flatMap(TwilioDate.date(from:)) }
}

/// The account, as `dialer check twilio` reports it.
public struct TwilioAccount: Decodable, Sendable, Equatable {
    public let sid: String
    public let friendly_name: String
    public let status: String
}

/// A page of the Calls list.
struct TwilioCallPage: Decodable {
    let calls: [TwilioCall]
    let next_page_uri: String?
}
