/// One line of a call's transcript: a callee turn or an agent utterance, as the session
/// closed it. The media route writes each one as a `transcript_entries` row.
public struct TranscriptEntry: Sendable, Equatable {
    /// Who spoke.
    public enum Speaker: String, Sendable {
        case callee
        case agent
    }

    /// Per call, 0, 1, 2, … with no gaps, in the order the entries began. Entries are
    /// emitted in this order too, so a writer never sees seq 3 before seq 2.
    public var seq: Int
    public var speaker: Speaker
    /// What was said: the recognizer's words for the callee (empty when it heard nothing
    /// it could place), the synthesized text for the agent.
    public var text: String
    /// Stream time (milliseconds since the media stream began, as Twilio's media
    /// timestamps count it) when the speech began.
    public var startMs: Int
    /// Stream time when the speech ended: for the agent, its audio's end, or the
    /// playback position Twilio last confirmed if it was cut off.
    public var endMs: Int
    /// The agent stopped before the end of its audio: the callee talked over it, or the
    /// call ended. Always false for the callee.
    public var interrupted: Bool
    /// The recognizer's confidence, 0...1, for the callee; nil for the agent.
    public var confidence: Double?
    /// The agent's name for the callee's answer (see ``AgentReply/intent``), on the callee
    /// entry it classifies; on an agent entry, what the utterance was (`voicemail`,
    /// `hand_off`).
    public var intent: String?

    public init(
        seq: Int,
        speaker: Speaker,
        text: String,
        startMs: Int,
        endMs: Int,
        interrupted: Bool = false,
        confidence: Double? = nil,
        intent: String? = nil
    ) {
        self.seq = seq
        self.speaker = speaker
        self.text = text
        self.startMs = startMs
        self.endMs = endMs
        self.interrupted = interrupted
        self.confidence = confidence
        self.intent = intent
    }
}
