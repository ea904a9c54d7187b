/// A TwiML `<Response>` document: the answer to Twilio's voice webhook.
///
/// Built from value types, so a document can be stored, compared in tests and sent across
/// concurrency domains:
///
/// ```swift
/// let twiml = TwiML(
///     .say("This call may be recorded.", voice: "Polly.Joanna"),
///     .connect(.stream(url: "wss://dialer.example/twilio/media", parameters: ["attemptID": id]))
/// )
/// response.body = twiml.xml
/// ```
///
/// The output copies the byte format of Twilio's own helper library (twilio-python, which
/// uses ElementTree), so it can be compared byte for byte with reference documents: no
/// whitespace between elements, attributes sorted by name, empty elements written `<X />`,
/// non-ASCII written as raw UTF-8. Text escapes `&`, `<` and `>`; attribute values also
/// escape `"` (attributes are always double-quoted, so `'` needs no escaping in either).
public struct TwiML: Sendable, Equatable, CustomStringConvertible {
    /// The XML declaration Twilio's library writes, with no newline after it.
    public static let declaration = #"<?xml version="1.0" encoding="UTF-8"?>"#

    /// The verbs, in the order Twilio executes them.
    public var verbs: [Verb]

    public init(_ verbs: Verb...) {
        self.verbs = verbs
    }

    public init(verbs: [Verb]) {
        self.verbs = verbs
    }

    /// The full document: declaration, then `<Response>…</Response>`.
    public var xml: String {
        Self.declaration + xmlWithoutDeclaration
    }

    /// Just the `<Response>` element.
    public var xmlWithoutDeclaration: String {
        var out = ""
        XMLNode(name: "Response", children: verbs.map(\.node)).write(to: &out)
        return out
    }

    public var description: String { xml }

    /// The dialer's answer to an answered call: an optional spoken disclosure, then a
    /// bidirectional `<Connect><Stream>` to the media WebSocket.
    ///
    /// Ids go in `<Parameter>`s rather than the URL's query string because Twilio does not
    /// support a query string on the Stream URL; they come back in the `start` message's
    /// `customParameters`. Parameters are written sorted by name so that the same call
    /// always yields the same bytes (a dictionary has no stable order).
    /// An empty `disclosure` counts as none: an empty `<Say />` would only add latency.
    public static func connectStream(
        url: String,
        parameters: [String: String] = [:],
        disclosure: String? = nil
    ) -> TwiML {
        var verbs: [Verb] = []
        if let disclosure, !disclosure.isEmpty {
            verbs.append(.say(disclosure))
        }
        verbs.append(.connect(.stream(url: url, parameters: parameters)))
        return TwiML(verbs: verbs)
    }

    /// The answer for a call the dialer does not recognise: end it at once.
    public static var hangup: TwiML {
        TwiML(.hangup)
    }
}

extension TwiML {
    /// One TwiML verb. Only the verbs and attributes the dialer needs are modelled.
    public enum Verb: Sendable, Equatable {
        /// `<Say>`: speak `text` with Twilio's text-to-speech.
        case say(String, voice: String? = nil, language: String? = nil)
        /// `<Pause length="…">`, in seconds.
        case pause(length: Int = 1)
        /// `<Hangup />`.
        case hangup
        /// `<Connect><Stream>`: a *bidirectional* stream. Twilio stops executing TwiML until
        /// the WebSocket closes, and accepts `media`, `mark` and `clear` back on it. This is
        /// the one the agent must use.
        case connect(Stream)
        /// `<Start><Stream>`: a *one-way* fork of the call audio; Twilio moves on to the next
        /// verb at once and ignores anything sent back. Kept because it is valid TwiML (and in
        /// the reference fixtures), but an agent on such a stream can never be heard: use
        /// ``connect(_:)`` for the agent.
        case start(Stream)
        /// `<Redirect>url</Redirect>`: fetch new TwiML from `url`.
        case redirect(String)
        /// `<Dial><Number url="…">number</Number></Dial>`: connect the call to `number`;
        /// `whisper` is TwiML Twilio fetches and plays to whoever answers, before the two
        /// are connected.
        case dial(number: String, whisper: String? = nil)
    }

    /// The `<Stream>` noun inside `<Connect>` or `<Start>`.
    public struct Stream: Sendable, Equatable {
        /// The `wss://` URL of the media WebSocket. Twilio does not pass on a query string;
        /// use ``parameters`` for per-call values.
        public var url: String
        /// A name, which lets a later `<Stop><Stream name=…>` end a `<Start>` stream.
        public var name: String?
        public var track: Track?
        /// Where Twilio posts stream-started/stopped/failed events.
        public var statusCallback: String?
        /// Written as `<Parameter name=… value=…/>`, sorted by name; Twilio delivers them in
        /// the `start` message's `customParameters`.
        public var parameters: [String: String]

        public init(
            url: String,
            name: String? = nil,
            track: Track? = nil,
            statusCallback: String? = nil,
            parameters: [String: String] = [:]
        ) {
            self.url = url
            self.name = name
            self.track = track
            self.statusCallback = statusCallback
            self.parameters = parameters
        }

        /// Lets call sites write `.connect(.stream(url: …))` without naming `TwiML.Stream`.
        public static func stream(
            url: String,
            name: String? = nil,
            track: Track? = nil,
            statusCallback: String? = nil,
            parameters: [String: String] = [:]
        ) -> Stream {
            Stream(url: url, name: name, track: track, statusCallback: statusCallback, parameters: parameters)
        }

        /// Which audio Twilio streams. A `<Connect>` stream supports only `inboundTrack`.
        public enum Track: String, Sendable, Equatable, CaseIterable {
            case inboundTrack = "inbound_track"
            case outboundTrack = "outbound_track"
            case bothTracks = "both_tracks"
        }
    }
}

// MARK: - Rendering

extension TwiML.Verb {
    fileprivate var node: XMLNode {
        switch self {
        case let .say(text, voice, language):
            XMLNode(name: "Say", attributes: ["voice": voice, "language": language], text: text)
        case let .pause(length):
            XMLNode(name: "Pause", attributes: ["length": String(length)])
        case .hangup:
            XMLNode(name: "Hangup")
        case let .connect(stream):
            XMLNode(name: "Connect", children: [stream.node])
        case let .start(stream):
            XMLNode(name: "Start", children: [stream.node])
        case let .redirect(url):
            XMLNode(name: "Redirect", text: url)
        case let .dial(number, whisper):
            XMLNode(name: "Dial", children: [XMLNode(name: "Number", attributes: ["url": whisper], text: number)])
        }
    }
}

extension TwiML.Stream {
    fileprivate var node: XMLNode {
        let parameterNodes =
            parameters
            .sorted { $0.key < $1.key }
            .map { XMLNode(name: "Parameter", attributes: ["name": $0.key, "value": $0.value]) }
        return XMLNode(
            name: "Stream",
            attributes: [
                "url": url, "name": name, "track": track?.rawValue, "statusCallback": statusCallback,
            ],
            children: parameterNodes
        )
    }
}

/// Just enough of an XML tree to write TwiML; never parsed.
private struct XMLNode {
    var name: String
    /// Nil values are left out, so optional attributes need no special casing at call sites.
    var attributes: [String: String?] = [:]
    var text: String = ""
    var children: [XMLNode] = []

    func write(to out: inout String) {
        out += "<" + name
        // Sorted because Twilio's library sorts them, which makes output comparable to its own.
        for (key, value) in attributes.sorted(by: { $0.key < $1.key }) {
            guard let value else { continue }
            out += " " + key + "=\"" + XMLEscaping.attribute(value) + "\""
        }
        if text.isEmpty && children.isEmpty {
            out += " />"
            return
        }
        out += ">" + XMLEscaping.text(text)
        for child in children {
            child.write(to: &out)
        }
        out += "</" + name + ">"
    }
}

/// Escaping that matches ElementTree's, so output stays byte-identical to the reference.
enum XMLEscaping {
    static func text(_ value: String) -> String {
        escape(value) { scalar in
            switch scalar {
            case "&": "&amp;"
            case "<": "&lt;"
            case ">": "&gt;"
            default: nil
            }
        }
    }

    /// Whitespace is written as character references because an XML parser would otherwise
    /// normalise a newline or tab inside an attribute value to a space.
    static func attribute(_ value: String) -> String {
        escape(value) { scalar in
            switch scalar {
            case "&": "&amp;"
            case "<": "&lt;"
            case ">": "&gt;"
            case "\"": "&quot;"
            case "\n": "&#10;"
            case "\r": "&#13;"
            case "\t": "&#09;"
            default: nil
            }
        }
    }

    private static func escape(_ value: String, replacement: (Unicode.Scalar) -> String?) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for scalar in value.unicodeScalars {
            if let replaced = replacement(scalar) {
                out += replaced
            } else if isAllowedInXML(scalar) {
                out.unicodeScalars.append(scalar)
            }
            // Anything else is dropped: XML 1.0 cannot carry it even as a character reference,
            // and one stray control character from CRM data would make Twilio reject the
            // whole document and fail the call.
        }
        return out
    }

    private static func isAllowedInXML(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x9, 0xA, 0xD: true
        case 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: true
        default: false
        }
    }
}
