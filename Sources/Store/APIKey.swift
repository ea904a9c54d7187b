import Foundation

/// What an API key may do. `read` sees everything but full phone numbers, which take `pii:read`;
/// each write scope allows the writes of one area.
public enum APIScope: String, Sendable, Codable, CaseIterable, Comparable {
    case read
    case callsWrite = "calls:write"
    case campaignsWrite = "campaigns:write"
    case tasksWrite = "tasks:write"
    case webhooksWrite = "webhooks:write"
    case piiRead = "pii:read"

    public static func < (lhs: APIScope, rhs: APIScope) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// A key of the HTTP API, as stored: never the key itself, which only its holder has.
public struct APIKey: Sendable, Equatable {
    public let id: Int64
    public let name: String
    /// The key's first characters (`dk_AbCd`), to tell keys apart.
    public let prefix: String
    public let scopes: Set<APIScope>
    public let createdAt: Date
    public let lastUsedAt: Date?
    public let revokedAt: Date?

    public init(
        id: Int64,
        name: String,
        prefix: String,
        scopes: Set<APIScope>,
        createdAt: Date,
        lastUsedAt: Date? = nil,
        revokedAt: Date? = nil
    ) {
        self.id = id
        self.name = name
        self.prefix = prefix
        self.scopes = scopes
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.revokedAt = revokedAt
    }

    /// Whether the key allows `scope`.
    public func allows(_ scope: APIScope) -> Bool { scopes.contains(scope) }
}

/// Why a key could not be created or revoked.
public enum APIKeyError: Error, Equatable, CustomStringConvertible {
    case invalidName(String)
    case nameTaken(String)
    case noScopes
    case notFound(String)

    public var description: String {
        switch self {
        case .invalidName(let name):
            "key name \"\(name)\" must be 1 to 63 lowercase letters, digits, '.', '_' or '-', starting with a letter or digit"
        case .nameTaken(let name): "a live key is already named \(name): revoke it first, or choose another name"
        case .noScopes: "a key needs at least one scope"
        case .notFound(let name): "no live key is named \(name)"
        }
    }
}
