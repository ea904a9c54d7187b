import Foundation

/// The events the dialer sends out. The `dialer.webhook_endpoints.events` CHECK lists the same
/// names (WebhookEndpointStoreTests holds the two together).
public enum WebhookEventType: String, Sendable, Codable, CaseIterable, Comparable {
    /// An ended call, once its transcript is complete: the outcome and the transcript.
    case callEnded = "call.ended"
    /// A campaign that completed by itself, with its final numbers.
    case campaignCompleted = "campaign.completed"

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The names, comma-separated, for messages and help.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

/// A receiver of events, as the operator (or the API) sees it: never its secret, which is
/// shown once, when the endpoint is added.
public struct WebhookEndpoint: Sendable, Equatable, Codable {
    public let id: Int64
    public let name: String
    public let url: String
    public let events: [WebhookEventType]
    public let createdAt: Date
    /// Set while the endpoint is disabled: nothing new is sent to it.
    public let disabledAt: Date?

    public init(id: Int64, name: String, url: String, events: [WebhookEventType], createdAt: Date, disabledAt: Date?) {
        self.id = id
        self.name = name
        self.url = url
        self.events = events
        self.createdAt = createdAt
        self.disabledAt = disabledAt
    }
}

/// Why an endpoint was refused or not found, before anything was written. An HTTP layer maps
/// `.invalid…`, `.noEvents` and `.unknownEvent` to 400 (naming `field`), `.nameTaken` to 409
/// and `.notFound` to 404.
public enum WebhookEndpointError: Error, Equatable, CustomStringConvertible {
    case invalidName(String)
    case invalidURL(String, reason: String)
    case noEvents
    case unknownEvent(String)
    case nameTaken(String)
    case notFound(String)

    /// The request field at fault, for a 400 or 409; nil for `.notFound`.
    public var field: String? {
        switch self {
        case .invalidName, .nameTaken: "name"
        case .invalidURL: "url"
        case .noEvents, .unknownEvent: "events"
        case .notFound: nil
        }
    }

    public var description: String {
        switch self {
        case .invalidName(let name):
            "webhook name \"\(name)\" must be 1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit"
        case .invalidURL(_, let reason): "webhook URL \(reason)"
        case .noEvents: "name at least one event (\(WebhookEventType.names))"
        case .unknownEvent(let event): "unknown event \"\(event)\": the dialer sends \(WebhookEventType.names)"
        case .nameTaken(let name): "a webhook endpoint named \(name) exists already"
        case .notFound(let name): "no webhook endpoint named \(name)"
        }
    }
}

extension WebhookEndpoint {
    /// Checks a name as `dialer.webhook_endpoints` does.
    public static func validate(name: String) throws(WebhookEndpointError) {
        guard name.wholeMatch(of: /[A-Za-z0-9][A-Za-z0-9._-]{0,62}/) != nil else { throw .invalidName(name) }
    }

    /// An absolute http or https URL with a host, no more than 2,000 characters; anything
    /// else would fail every delivery, so it is refused when the endpoint is added.
    public static func validate(url: String) throws(WebhookEndpointError) {
        guard url.count <= 2000 else { throw .invalidURL(url, reason: "is longer than 2,000 characters") }
        guard !url.contains(where: { $0.isWhitespace || $0.isNewline }) else { throw .invalidURL(url, reason: "must not contain spaces") }
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased() else {
            throw .invalidURL(url, reason: "\"\(url)\" is not an absolute URL (such as https://crm.example.com/hooks)")
        }
        guard scheme == "http" || scheme == "https" else {
            throw .invalidURL(url, reason: "must be http or https, not \(scheme)")
        }
        guard let host = components.host, !host.isEmpty else { throw .invalidURL(url, reason: "\"\(url)\" has no host") }
    }

    /// The event types named, each known, without repeats, in the order given.
    public static func validate(events: [String]) throws(WebhookEndpointError) -> [WebhookEventType] {
        var types: [WebhookEventType] = []
        for name in events.map({ $0.trimmingCharacters(in: .whitespaces) }) where !name.isEmpty {
            guard let type = WebhookEventType(rawValue: name) else { throw .unknownEvent(name) }
            if !types.contains(type) { types.append(type) }
        }
        guard !types.isEmpty else { throw .noEvents }
        return types
    }
}
