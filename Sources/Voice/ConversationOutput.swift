/// What a ``ConversationSession`` asks of the transport and reports to the call's record,
/// in the order it happened.
///
/// The media route turns `media`, `mark` and `clear` into Twilio Media Streams messages
/// for the call's stream, writes transcript entries, acts on `optOut` and `hangUp`, and logs
/// or counts the rest.
public enum ConversationOutput: Sendable, Equatable {
    /// 20 ms of agent audio: 160 bytes of 8 kHz mu-law, no header (a `media` message).
    case media([UInt8])
    /// A `mark` message: Twilio echoes the name back once the audio sent before it has played.
    case mark(String)
    /// A `clear` message: Twilio drops the audio it has not played yet (the callee barged in).
    case clear
    /// A transcript line, complete. Entries come in ``TranscriptEntry/seq`` order.
    case transcriptEntry(TranscriptEntry)
    /// The callee asked not to be called again: put the number on the DNC list and flag the
    /// Contact. Emitted once, as soon as the agent says so, even if the call is already over.
    case optOut
    /// The callee picked a time to be called back: schedule the contact's next call in this
    /// window. Emitted as soon as the agent has it, like ``optOut``.
    case callback(CallbackWindow)
    /// The conversation is over: hang up the call. Emitted once, after Twilio confirmed
    /// (by its mark) that the agent's last words were played, or at once if there was
    /// nothing to play (or, should the mark never come back, after
    /// ``PlaybackPacing/hangUpMarkTimeoutMs``).
    case hangUp
    /// The agent's part is over and the call goes to a person: redirect it to the
    /// campaign's transfer number. Emitted, instead of ``hangUp``, once Twilio confirmed the
    /// hand-off line was played.
    case handOff
    /// How long the callee waited for an answer: from the end of their speech to the start
    /// of the agent's audio (stream time). Includes the end-of-turn silence, since the
    /// callee waits through it too.
    case turnLatency(Duration)
    /// A speech-to-text, agent or text-to-speech call failed. The session carries on (an
    /// unrecognized turn) or ends the call politely (no reply to give); log it.
    case failure(ConversationFailure)
}

/// A failed call to one of the session's services, for the log.
public struct ConversationFailure: Sendable, Equatable, CustomStringConvertible {
    /// What the session was doing.
    public enum Stage: String, Sendable {
        case startingConversation
        case opening
        case reply
        case speechToText
        case textToSpeech
    }

    public var stage: Stage
    /// The error, described.
    public var message: String

    public init(stage: Stage, message: String) {
        self.stage = stage
        self.message = message
    }

    public var description: String { "\(stage.rawValue): \(message)" }
}
