/// Decides what the dialer says in a call: the opening words, and a reply to each of the
/// callee's turns.
///
/// An `Agent` is shared by every call (configuration, a model client); it starts one
/// ``AgentConversation`` per call, which holds that call's state (the script's position,
/// the chat history).
public protocol Agent: Sendable {
    /// Starts the conversation for one answered call.
    func startConversation(_ call: AgentCallContext) async throws -> any AgentConversation
}

/// One call's conversation with the agent. The conversation session calls it from one task
/// at a time, in turn order.
public protocol AgentConversation: Sendable {
    /// What the agent says first, before the callee speaks: the greeting, which discloses
    /// that the voice is artificial and how to opt out.
    func opening() async throws -> AgentReply
    /// The agent's answer to what the callee just said (`nil`: nothing was recognized).
    func reply(to callee: Transcription?) async throws -> AgentReply
    /// What the callee is expected to say next, for the speech-to-text of the next turn.
    func recognitionHints() async -> RecognitionHints
    /// The callee pressed a key (`0`–`9`, `*`, `#`): the reply to it, or nil to carry on as if
    /// nothing happened. The opt-out key must answer with an opt-out.
    func reply(toDigit digit: String) async -> AgentReply?
    /// The agent's last words when the dialer must end the call itself (the service is
    /// shutting down and the call outlived its drain): the script's goodbye, ending the call.
    func closing() async -> AgentReply
    /// What to leave on an answering machine, once its beep has sounded: the greeting and
    /// the disclosure, then the message. The call ends once it has played.
    func voicemail() async -> AgentReply
    /// Whether ``turnCompleteness(_:)`` is worth asking: without it the callee's turns end
    /// after the configured silence, and their pauses cost no speech-to-text.
    var judgesTurnEnds: Bool { get }
    /// The callee paused after saying `heard` (recognized with ``recognitionHints()``): is
    /// it a whole answer to what the agent asked? `hesitant` recognizes the same audio with
    /// ``RecognitionHints/hesitations`` added, for an agent that needs to tell "so" from
    /// "no" (a recognizer that must pick an expected answer hears one in any filler). It
    /// must not change the conversation: the callee may go on speaking.
    func turnCompleteness(_ heard: Transcription?, hesitant: @Sendable () async -> Transcription?) async -> TurnCompleteness
}

/// An agent's verdict on a callee's words at a pause.
public enum TurnCompleteness: Sendable, Equatable {
    /// A whole answer: the turn ends now.
    case complete
    /// A hesitation or a phrase cut short: wait longer than usual.
    case unfinished
    /// Wait the usual silence.
    case unsure
}

extension AgentConversation {
    /// The standard opt-out key (``OptOutPolicy/digit``) and nothing else.
    public func reply(toDigit digit: String) async -> AgentReply? {
        OptOutPolicy.standard.reply(toDigit: digit)
    }

    /// A plain goodbye, for agents without a closing line of their own.
    public func closing() async -> AgentReply {
        AgentReply(text: "Goodbye.", hangUp: true)
    }

    public var judgesTurnEnds: Bool { false }

    public func turnCompleteness(_ heard: Transcription?, hesitant: @Sendable () async -> Transcription?) async -> TurnCompleteness {
        .unsure
    }

    /// A message that discloses the artificial voice, for agents without one of their own.
    public func voicemail() async -> AgentReply {
        AgentReply(
            text: AgentScript.sentences("Hello. This is an automated assistant with an artificial voice.", AgentScript.defaultVoicemail),
            hangUp: true,
            intent: AgentReply.voicemailIntent
        )
    }
}

/// What the agent knows about the call when it starts.
public struct AgentCallContext: Sendable, Equatable {
    public var callSID: String
    public var campaignID: Int64?
    public var contactID: Int64?
    /// The callee's first name, when the contact has one, for the greeting.
    public var firstName: String?
    public var lastName: String?
    /// The contact's other fields from the CRM, by API name (`Description`, `Account.Name`,
    /// custom fields the campaign's query selected), for the script (``ScriptTemplate``).
    public var fields: [String: String]
    /// What the call is about, when it was started with a message (`POST /v1/calls`).
    public var message: String?
    /// Whether a callee who asks for a person can be put through now.
    public var handOff: HandOffAvailability = .none
    /// When the callee may be called back, for a callback they ask for; nil: unknown (the
    /// agent can take no time).
    public var callbackHours: CallbackHours?

    public init(
        callSID: String,
        campaignID: Int64? = nil,
        contactID: Int64? = nil,
        firstName: String? = nil,
        lastName: String? = nil,
        fields: [String: String] = [:],
        message: String? = nil
    ) {
        self.callSID = callSID
        self.campaignID = campaignID
        self.contactID = contactID
        self.firstName = firstName
        self.lastName = lastName
        self.fields = fields
        self.message = message
    }
}

/// What the agent says in one turn, and what the dialer must do because of it.
public struct AgentReply: Sendable, Equatable {
    /// Spoken to the callee; empty means the agent stays silent this turn.
    public var text: String
    /// The callee asked not to be called again: the number goes on the DNC list and the
    /// Contact is flagged DoNotCall in Salesforce.
    public var optOut: Bool
    /// The conversation is over: the call is hung up once ``text`` has been played.
    public var hangUp: Bool
    /// The script's name for the callee's answer (an intent, e.g. `interested`), kept in the
    /// transcript for reporting; `nil` when the agent does not classify.
    public var intent: String?
    /// Put the call through to a person once ``text`` has been heard (the callee asked for
    /// one, inside the campaign's transfer hours). Ends the agent's part of the call.
    public var handOff = false
    /// The callee picked a time to be called back: the dialer schedules the contact's next
    /// call inside this window. ``text`` says when.
    public var callback: CallbackWindow?

    /// The intent of the message left on an answering machine, in the transcript.
    public static let voicemailIntent = "voicemail"
    /// The intents of a callee asking for a person: put through, or nobody there.
    public static let handOffIntent = "hand_off"
    public static let handOffUnavailableIntent = "hand_off_unavailable"
    /// The intent of a callee's answer that named a callback time.
    public static let callbackIntent = "callback"

    public init(text: String, optOut: Bool = false, hangUp: Bool = false, intent: String? = nil) {
        self.text = text
        self.optOut = optOut
        self.hangUp = hangUp
        self.intent = intent
    }
}
