import Foundation

/// One call as the API and the console show it: an attempt of a contact, what Twilio said of
/// it, its outcome and its Task sync. Its id is the attempt's, known before Twilio's CallSid.
public struct CallRecord: Sendable, Equatable {
    public var id: UUID
    public var callSID: String?
    public var campaign: String
    /// The contact's Salesforce id.
    public var contactID: String?
    /// E.164; masked (`…0123`) unless the reader may see personal data; empty for an API call
    /// whose Contact is still to be read.
    public var to: String
    public var from: String
    public var attempt: Int
    /// Twilio's status once there is one, else the attempt's own (`dialing`, `failed`, `unknown`).
    public var state: String
    public var twilioStatus: String?
    public var answeredBy: String?
    public var durationSeconds: Int?
    /// `Answered`, `Voicemail`, `No Answer`, `Busy`, `Failed`, `Canceled`, or `In Progress`.
    public var outcome: String
    public var errorMessage: String?
    public var createdAt: Date
    public var answeredAt: Date?
    public var endedAt: Date?
    public var taskSync: TaskSync?
    /// Filled for one call (`CallRecordStore.call`), empty in lists.
    public var transcript: [TranscriptLine]
    /// When the call's next dial is due, for an API call that is `scheduled`.
    public var scheduledFor: Date? = nil
    /// Why an API call was never dialed (`do_not_call`, `internal_dnc`, `invalid_phone`,
    /// `no_time_zone`), when it is `skipped`; `errorMessage` says more.
    public var skipReason: String? = nil
    /// What the agent is to say on an API call (the client's message, or the Contact's Description).
    public var message: String? = nil

    /// The Salesforce Task written for the call, or the reason it is not yet.
    public struct TaskSync: Sendable, Equatable {
        public var state: String
        public var salesforceTaskID: String?
        public var lastError: String?

        public init(state: String, salesforceTaskID: String?, lastError: String?) {
            self.state = state
            self.salesforceTaskID = salesforceTaskID
            self.lastError = lastError
        }
    }

    /// One entry of the call's transcript.
    public struct TranscriptLine: Sendable, Equatable {
        public var seq: Int
        public var speaker: String
        public var text: String
        public var startMs: Int
        public var endMs: Int
        public var interrupted: Bool

        public init(seq: Int, speaker: String, text: String, startMs: Int, endMs: Int, interrupted: Bool) {
            self.seq = seq
            self.speaker = speaker
            self.text = text
            self.startMs = startMs
            self.endMs = endMs
            self.interrupted = interrupted
        }
    }
}

/// Which calls to list, and where the last page ended.
public struct CallListFilter: Sendable, Equatable {
    public var campaign: String?
    public var state: String?
    public var since: Date?
    public var limit: Int
    public var cursor: CallListCursor?

    public init(campaign: String? = nil, state: String? = nil, since: Date? = nil, limit: Int = 50, cursor: CallListCursor? = nil) {
        self.campaign = campaign
        self.state = state
        self.since = since
        self.limit = limit
        self.cursor = cursor
    }
}

/// Where a page of calls ended: the last call's creation time (in Postgres's microseconds, so
/// the next page starts exactly after it) and id, opaque to clients.
public struct CallListCursor: Sendable, Equatable {
    public var createdMicros: Int64
    public var id: UUID

    public init(createdMicros: Int64, id: UUID) {
        self.createdMicros = createdMicros
        self.id = id
    }

    /// base64url of `<microseconds since 1970>.<uuid>`.
    public var token: String {
        Data("\(createdMicros).\(id.uuidString.lowercased())".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// Nil for anything this did not make.
    public init?(token: String) {
        guard token.utf8.count <= 128 else { return nil }
        var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.utf8.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8) else { return nil }
        let parts = text.split(separator: ".", maxSplits: 1)
        guard parts.count == 2, let micros = Int64(parts[0]), let id = UUID(uuidString: String(parts[1])) else { return nil }
        self.init(createdMicros: micros, id: id)
    }
}
