import Foundation

/// What one Sandbox call's media stream carried, as the callee's side saw it: for tests and
/// the demo to check the conversation against.
public struct MediaSessionLog: Sendable, Equatable {
    /// A line the callee spoke, in stream milliseconds.
    public struct SpokenLine: Sendable, Equatable {
        public var text: String
        public var startMs: Int
        public var endMs: Int
    }

    /// A stretch of the agent's audio played without a break (a `clear` makes a break).
    public struct Playback: Sendable, Equatable {
        public var startMs: Int
        public var endMs: Int
    }

    /// How the stream ended.
    public enum Ending: String, Sendable {
        /// The callee's script ran out and they hung up (the Sandbox sent `stop`).
        case calleeHungUp
        /// The dialer closed the WebSocket (its agent hung up).
        case dialerClosed
        /// The call was hung up through the REST API.
        case hungUpByAPI
        /// The WebSocket could not be opened (refused handshake, nothing listening).
        case notConnected
        /// The script's maximum length passed.
        case timedOut
    }

    public var callSID: String
    public var streamSID: String
    public var url: String
    public var customParameters: [String: String]
    public var spoken: [SpokenLine] = []
    /// Agent audio received, in milliseconds of 8 kHz mu-law.
    public var agentAudioReceivedMs = 0
    /// Agent audio played to the callee before the stream ended (the rest was cleared or
    /// still queued).
    public var agentAudioPlayedMs = 0
    /// The agent's audio as it played, stretch by stretch, in stream milliseconds.
    public var agentPlayback: [Playback] = []
    /// An answering machine's: when its greeting (and beep) ended and it began recording.
    public var recordingFromMs: Int?
    /// An answering machine's: how much of the agent's audio it recorded.
    public var recordedAgentMs = 0
    /// Mark names received, in order, and those echoed back once played (or cleared).
    public var marksReceived: [String] = []
    public var marksEchoed: [String] = []
    /// `clear` messages received, and the stream time of each.
    public var clearsAtMs: [Int] = []
    /// Frames of callee audio sent.
    public var framesSent = 0
    /// Messages from the dialer the Sandbox could not decode.
    public var malformed = 0
    public var ending: Ending = .notConnected
    /// Why the stream could not be opened, for `notConnected`.
    public var error: String?
    public var lengthMs = 0
}
