import Crypto
import Foundation

/// Computes and checks `X-Twilio-Signature` exactly as Twilio's own libraries do.
///
/// The signed string is the URL Twilio requested (scheme, host, optional port, path and query
/// as sent), then each distinct POST parameter name in ascending Unicode code-point order, each
/// followed by that name's distinct values in code-point order. The MAC is HMAC-SHA1 keyed by
/// the Auth Token, in standard base64. A URL matches with its port or without it, since proxies
/// add or drop default ports. JSON bodies are signed by URL only, and the URL's `bodySHA256`
/// must be the body's hex SHA-256.
///
/// The URL must be the public URL from configuration, never one rebuilt from the Host header:
/// behind a TLS proxy the two differ, and an attacker controls the Host header.
public struct TwilioSignature: Sendable {
    public static let header = "X-Twilio-Signature"

    let key: SymmetricKey

    public init(authToken: String) {
        key = SymmetricKey(data: Data(authToken.utf8))
    }

    /// The base64 signature of `url` and form `parameters` (repeated names allowed).
    public func signature(url: String, parameters: [(String, String)] = []) -> String {
        let message = Self.stringToSign(url: url, parameters: parameters)
        let mac = HMAC<Insecure.SHA1>.authenticationCode(for: Array(message.utf8), using: key)
        return Data(mac).base64EncodedString()
    }

    /// Whether `signature` signs a form request to `url` with `parameters`.
    public func isValid(signature: String, url: String, parameters: [(String, String)]) -> Bool {
        Self.urlVariants(url).contains { Self.constantTimeEqual(self.signature(url: $0, parameters: parameters), signature) }
    }

    /// Whether `signature` signs a JSON request to `url` (which carries `bodySHA256`) with `body`.
    public func isValid(signature: String, url: String, jsonBody body: String) -> Bool {
        guard let declared = Self.queryValue("bodySHA256", in: url), declared == Self.bodyHash(body) else { return false }
        return Self.urlVariants(url).contains { Self.constantTimeEqual(self.signature(url: $0), signature) }
    }

    /// Hex SHA-256 of a JSON body, as `bodySHA256` carries it.
    public static func bodyHash(_ body: String) -> String {
        SHA256.hash(data: Data(body.utf8)).map { byte in
            byte < 16 ? "0" + String(byte, radix: 16) : String(byte, radix: 16)
        }.joined()
    }

    /// Each distinct (name, value) pair once, by name then value. Code-point order is UTF-8
    /// byte order, so the bytes are compared directly.
    static func stringToSign(url: String, parameters: [(String, String)]) -> String {
        func same(_ a: String, _ b: String) -> Bool { a.utf8.elementsEqual(b.utf8) }
        let sorted = parameters.sorted { a, b in
            same(a.0, b.0) ? codePointOrder(a.1, b.1) : codePointOrder(a.0, b.0)
        }
        var text = url
        var previous: (String, String)?
        for pair in sorted where previous.map({ !same($0.0, pair.0) || !same($0.1, pair.1) }) ?? true {
            text += pair.0
            text += pair.1
            previous = pair
        }
        return text
    }

    /// Python's string order, which Twilio's libraries use: by code point, not Swift's
    /// Unicode-canonical `<`.
    static func codePointOrder(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    /// The URL without its port, and with it (the default port added when it has none).
    /// Built by hand so that the path and query stay byte for byte as Twilio sent them.
    static func urlVariants(_ url: String) -> [String] {
        guard let schemeEnd = url.range(of: "://") else { return [url] }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        let rest = url[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        var tail = String(rest[authorityEnd...])
        if tail.hasSuffix("#") { tail.removeLast() }
        if tail.hasSuffix("?") { tail.removeLast() }

        // userinfo@host:port, with [v6] hosts.
        let userEnd = authority.lastIndex(of: "@").map { authority.index(after: $0) } ?? authority.startIndex
        let hostPort = authority[userEnd...]
        let portStart: Substring.Index? = {
            guard let colon = hostPort.lastIndex(of: ":") else { return nil }
            if let bracket = hostPort.lastIndex(of: "]"), bracket > colon { return nil }
            return colon
        }()
        let prefix = scheme + "://" + authority[..<userEnd]
        let host = portStart.map { hostPort[..<$0] } ?? hostPort
        let port = portStart.map { String(hostPort[hostPort.index(after: $0)...]) } ?? (scheme == "https" ? "443" : "80")
        return [prefix + host + tail, prefix + host + ":" + port + tail]
    }

    static func queryValue(_ name: String, in url: String) -> String? {
        guard let query = url.split(separator: "?", maxSplits: 1).dropFirst().first else { return nil }
        for pair in query.split(separator: "#").first?.split(separator: "&") ?? [] {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.first.map(String.init) == name { return parts.count > 1 ? String(parts[1]) : "" }
        }
        return nil
    }

    /// Compares without an early exit, so the time taken says nothing about how much matched.
    public static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        var difference = UInt8(x.count == y.count ? 0 : 1)
        for index in 0..<max(x.count, y.count) {
            difference |= (index < x.count ? x[index] : 0) ^ (index < y.count ? y[index] : 0)
        }
        return difference == 0
    }
}
