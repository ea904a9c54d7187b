import Foundation

/// The `<Connect><Stream>` a voice URL answered, as the Sandbox reads TwiML: where to open
/// the media WebSocket and the `<Parameter>`s to pass in `start.customParameters`.
public struct ConnectStream: Sendable, Equatable {
    public var url: String
    public var parameters: [String: String]

    public init(url: String, parameters: [String: String]) {
        self.url = url
        self.parameters = parameters
    }

    /// nil when the TwiML holds no `<Connect><Stream>` (a one-way `<Start><Stream>` does
    /// not count: Twilio would not carry audio back on it).
    init?(twiml: String) {
        guard let connect = twiml.range(of: "<Connect>"), let end = twiml.range(of: "</Connect>", range: connect.upperBound..<twiml.endIndex)
        else { return nil }
        let body = String(twiml[connect.upperBound..<end.lowerBound])
        guard let stream = Self.attributes(of: "Stream", in: body).first, let url = stream["url"] else { return nil }
        self.url = url
        var parameters: [String: String] = [:]
        for parameter in Self.attributes(of: "Parameter", in: body) {
            if let name = parameter["name"] { parameters[name] = parameter["value"] ?? "" }
        }
        self.parameters = parameters
    }

    /// The attributes of every `<element …>` in `xml`, unescaped.
    static func attributes(of element: String, in xml: String) -> [[String: String]] {
        var found: [[String: String]] = []
        var rest = xml[...]
        while let open = rest.range(of: "<\(element) ") ?? rest.range(of: "<\(element)>") {
            guard let close = rest.range(of: ">", range: open.upperBound..<rest.endIndex) else { break }
            let tag = rest[open.upperBound..<close.lowerBound]
            var attributes: [String: String] = [:]
            var scan = tag[...]
            while let equals = scan.range(of: "=\"") {
                let name = scan[..<equals.lowerBound].trimmingCharacters(in: .whitespaces)
                guard let quote = scan.range(of: "\"", range: equals.upperBound..<scan.endIndex) else { break }
                attributes[name] = unescape(String(scan[equals.upperBound..<quote.lowerBound]))
                scan = scan[quote.upperBound...]
            }
            found.append(attributes)
            rest = rest[close.upperBound...]
        }
        return found
    }

    static func unescape(_ text: String) -> String {
        text.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&amp;", with: "&")
    }
}
