import Foundation

/// A message the server sends to Twilio on a Media Streams WebSocket.
///
/// Twilio accepts these only on a bidirectional stream (`<Connect><Stream>`), and the
/// `streamSid` must be the one from the `start` message. Messages to Twilio carry no
/// `sequenceNumber`.
public enum MediaStreamCommand: Sendable, Equatable {
    /// Audio to play: raw 8 kHz mu-law bytes, no WAV header (Twilio would play a header as
    /// a click of noise). Twilio queues it behind audio already sent.
    case media(streamSid: String, payload: [UInt8])
    /// Asks Twilio to echo a `mark` with this name once the audio queued before it has played.
    case mark(streamSid: String, name: String)
    /// Drops all queued audio at once (barge-in); Twilio then echoes the pending marks.
    case clear(streamSid: String)

    public var streamSid: String {
        switch self {
        case let .media(streamSid, _), let .mark(streamSid, _), let .clear(streamSid):
            streamSid
        }
    }

    /// The JSON text frame, keys in the order of Twilio's documentation examples.
    ///
    /// Written by hand rather than with `JSONEncoder` because that call can throw, while
    /// these three fixed shapes of strings cannot fail; and the output is then stable down
    /// to the byte, which keeps tests and logs exact.
    public var json: String {
        switch self {
        case let .media(streamSid, payload):
            let base64 = Data(payload).base64EncodedString()
            return #"{"event":"media","streamSid":\#(jsonString(streamSid)),"media":{"payload":"\#(base64)"}}"#
        case let .mark(streamSid, name):
            return #"{"event":"mark","streamSid":\#(jsonString(streamSid)),"mark":{"name":\#(jsonString(name))}}"#
        case let .clear(streamSid):
            return #"{"event":"clear","streamSid":\#(jsonString(streamSid))}"#
        }
    }

    /// Decodes a command as Twilio would read it. The dialer itself only sends commands;
    /// this exists for the loopback Twilio in `Sandbox` and for round-trip tests.
    public init(json: Data) throws(MediaStreamCodecError) {
        self = try MediaStreamCodecError.mapping { try JSONDecoder().decode(Outgoing.self, from: json).command }
    }

    public init(json: String) throws(MediaStreamCodecError) {
        try self.init(json: Data(json.utf8))
    }
}

private struct Outgoing: Decodable {
    let command: MediaStreamCommand

    init(from decoder: any Decoder) throws {
        let root = try decoder.container(keyedBy: StreamJSONKey.self)
        let event = try root.string("event")
        let streamSid = try root.string("streamSid")
        switch event {
        case "media":
            command = .media(streamSid: streamSid, payload: try root.object("media").base64("payload"))
        case "mark":
            command = .mark(streamSid: streamSid, name: try root.object("mark").string("name"))
        case "clear":
            command = .clear(streamSid: streamSid)
        default:
            throw MediaStreamCodecError.unknownEvent(event)
        }
    }
}
