import Foundation

/// A message Twilio sends on a Media Streams WebSocket (one JSON text frame each).
///
/// Decode with ``init(json:)-(Data)``. Counters Twilio sends as JSON strings
/// (`sequenceNumber`, `media.chunk`, `media.timestamp`) come out as `Int`; media payloads
/// come out as the raw mu-law bytes. Unknown fields are ignored, and an unknown `event`
/// decodes to ``unknown(event:)`` rather than throwing, because Twilio may add events and a
/// new one must not look like a corrupt stream. Anything malformed throws a
/// ``MediaStreamCodecError`` naming the field.
public enum MediaStreamMessage: Sendable, Equatable {
    /// The first message on every connection.
    case connected(Connected)
    /// Sent once, right after `connected`; carries the call's ids and `<Parameter>` values.
    case start(Start)
    /// One frame of audio (20 ms of 8 kHz mu-law from a live call).
    case media(Media)
    /// A key press (bidirectional streams only).
    case dtmf(DTMF)
    /// The echo of a mark the server sent, once the audio queued before it has played (or
    /// was dropped by a `clear`). Barge-in uses it to know how much of a turn was heard.
    case mark(Mark)
    /// The stream ended (call hung up, or the TwiML moved on).
    case stop(Stop)
    /// An event this codec does not know, carried so the caller can log and skip it.
    case unknown(event: String)

    public struct Connected: Sendable, Equatable {
        /// Named `protocolName` because `protocol` is a Swift keyword; Twilio sends `"Call"`.
        public var protocolName: String
        public var version: String

        public init(protocolName: String, version: String) {
            self.protocolName = protocolName
            self.version = version
        }
    }

    public struct Start: Sendable, Equatable {
        public var sequenceNumber: Int
        /// Opaque: an `MZ…` SID today, a UUID in older captures.
        public var streamSid: String
        public var accountSid: String
        public var callSid: String
        /// e.g. `["inbound"]`.
        public var tracks: [String]
        /// The `<Parameter>`s from the TwiML, by name.
        public var customParameters: [String: String]
        public var mediaFormat: MediaFormat

        public init(
            sequenceNumber: Int,
            streamSid: String,
            accountSid: String,
            callSid: String,
            tracks: [String],
            customParameters: [String: String],
            mediaFormat: MediaFormat
        ) {
            self.sequenceNumber = sequenceNumber
            self.streamSid = streamSid
            self.accountSid = accountSid
            self.callSid = callSid
            self.tracks = tracks
            self.customParameters = customParameters
            self.mediaFormat = mediaFormat
        }
    }

    /// Twilio documents this as always `audio/x-mulaw`, 8000 Hz, 1 channel; it is decoded
    /// rather than assumed so a session can refuse anything else instead of playing noise.
    public struct MediaFormat: Sendable, Equatable {
        public var encoding: String
        public var sampleRate: Int
        public var channels: Int

        public init(encoding: String, sampleRate: Int, channels: Int) {
            self.encoding = encoding
            self.sampleRate = sampleRate
            self.channels = channels
        }
    }

    public struct Media: Sendable, Equatable {
        public var sequenceNumber: Int
        public var streamSid: String
        /// `inbound` (the callee) or `outbound` (audio sent to the callee).
        public var track: String
        /// Starts at 1, per track.
        public var chunk: Int
        /// Milliseconds since the stream started.
        public var timestamp: Int
        /// The decoded audio: mu-law bytes, no header.
        public var payload: [UInt8]

        public init(sequenceNumber: Int, streamSid: String, track: String, chunk: Int, timestamp: Int, payload: [UInt8]) {
            self.sequenceNumber = sequenceNumber
            self.streamSid = streamSid
            self.track = track
            self.chunk = chunk
            self.timestamp = timestamp
            self.payload = payload
        }
    }

    public struct DTMF: Sendable, Equatable {
        public var sequenceNumber: Int
        public var streamSid: String
        /// Always `inbound_track` (note: not `inbound` as on media).
        public var track: String
        public var digit: String

        public init(sequenceNumber: Int, streamSid: String, track: String, digit: String) {
            self.sequenceNumber = sequenceNumber
            self.streamSid = streamSid
            self.track = track
            self.digit = digit
        }
    }

    public struct Mark: Sendable, Equatable {
        public var sequenceNumber: Int
        public var streamSid: String
        public var name: String

        public init(sequenceNumber: Int, streamSid: String, name: String) {
            self.sequenceNumber = sequenceNumber
            self.streamSid = streamSid
            self.name = name
        }
    }

    public struct Stop: Sendable, Equatable {
        public var sequenceNumber: Int
        public var streamSid: String
        public var accountSid: String
        public var callSid: String

        public init(sequenceNumber: Int, streamSid: String, accountSid: String, callSid: String) {
            self.sequenceNumber = sequenceNumber
            self.streamSid = streamSid
            self.accountSid = accountSid
            self.callSid = callSid
        }
    }

    /// Decodes one WebSocket text frame.
    public init(json: Data) throws(MediaStreamCodecError) {
        self = try MediaStreamCodecError.mapping { try JSONDecoder().decode(Incoming.self, from: json).message }
    }

    /// Decodes one WebSocket text frame.
    public init(json: String) throws(MediaStreamCodecError) {
        try self.init(json: Data(json.utf8))
    }

    /// The stream this message belongs to; nil for `connected` (sent before the stream has one).
    public var streamSid: String? {
        switch self {
        case .connected, .unknown: nil
        case let .start(m): m.streamSid
        case let .media(m): m.streamSid
        case let .dtmf(m): m.streamSid
        case let .mark(m): m.streamSid
        case let .stop(m): m.streamSid
        }
    }

    /// What every integer of the protocol may be: counts and milliseconds of one stream.
    /// Int32's range is over 24 days of 20 ms frames; beyond it, or below zero, no Twilio sends.
    public static let integerRange = 0...Int(Int32.max)

    /// Per connection, not per event type, so a gap means a lost message of any kind.
    public var sequenceNumber: Int? {
        switch self {
        case .connected, .unknown: nil
        case let .start(m): m.sequenceNumber
        case let .media(m): m.sequenceNumber
        case let .dtmf(m): m.sequenceNumber
        case let .mark(m): m.sequenceNumber
        case let .stop(m): m.sequenceNumber
        }
    }
}

/// Decodable wrapper: reads `event` first, then only the fields that event defines.
private struct Incoming: Decodable {
    let message: MediaStreamMessage

    init(from decoder: any Decoder) throws {
        let root = try decoder.container(keyedBy: StreamJSONKey.self)
        let event = try root.string("event")
        switch event {
        case "connected":
            message = .connected(.init(protocolName: try root.string("protocol"), version: try root.string("version")))
        case "start":
            let start = try root.object("start")
            let format = try start.object("mediaFormat")
            // The top-level streamSid is the one every later message carries; the nested copy
            // is a fallback only.
            let streamSid = try root.decodeIfPresent(String.self, forKey: StreamJSONKey("streamSid"))
            message = .start(
                .init(
                    sequenceNumber: try root.integer("sequenceNumber"),
                    streamSid: try streamSid ?? start.string("streamSid"),
                    accountSid: try start.string("accountSid"),
                    callSid: try start.string("callSid"),
                    tracks: try start.decode([String].self, forKey: StreamJSONKey("tracks")),
                    // Absent and empty mean the same thing: the TwiML had no <Parameter>.
                    customParameters: try start.decodeIfPresent([String: String].self, forKey: StreamJSONKey("customParameters")) ?? [:],
                    mediaFormat: .init(
                        encoding: try format.string("encoding"),
                        sampleRate: try format.integer("sampleRate"),
                        channels: try format.integer("channels")
                    )
                )
            )
        case "media":
            let media = try root.object("media")
            message = .media(
                .init(
                    sequenceNumber: try root.integer("sequenceNumber"),
                    streamSid: try root.string("streamSid"),
                    track: try media.string("track"),
                    chunk: try media.integer("chunk"),
                    timestamp: try media.integer("timestamp"),
                    payload: try media.base64("payload")
                )
            )
        case "dtmf":
            let dtmf = try root.object("dtmf")
            message = .dtmf(
                .init(
                    sequenceNumber: try root.integer("sequenceNumber"),
                    streamSid: try root.string("streamSid"),
                    track: try dtmf.string("track"),
                    digit: try dtmf.string("digit")
                )
            )
        case "mark":
            message = .mark(
                .init(
                    sequenceNumber: try root.integer("sequenceNumber"),
                    streamSid: try root.string("streamSid"),
                    name: try root.object("mark").string("name")
                )
            )
        case "stop":
            let stop = try root.object("stop")
            message = .stop(
                .init(
                    sequenceNumber: try root.integer("sequenceNumber"),
                    streamSid: try root.string("streamSid"),
                    accountSid: try stop.string("accountSid"),
                    callSid: try stop.string("callSid")
                )
            )
        default:
            message = .unknown(event: event)
        }
    }
}
