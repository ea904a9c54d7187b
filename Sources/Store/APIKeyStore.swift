import Crypto
import Foundation
import PostgresNIO

/// The HTTP API's keys: created (shown once), listed, revoked, and checked on every request.
///
/// A key is `dk_` and 43 characters of base64url (32 random bytes); only its SHA-256 is stored,
/// so checking a key is one indexed lookup of its hash, and a stolen copy of the table opens
/// nothing.
public struct APIKeyStore: Sendable {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// `last_used_at` is written at most this often per key, so a busy client does not turn
    /// every read into a write.
    public static let lastUsedResolution: TimeInterval = 60

    /// Creates a key; the returned token is the only copy there will ever be.
    public func create(name: String, scopes: Set<APIScope>) async throws -> (key: APIKey, token: String) {
        guard name.range(of: "^[a-z0-9][a-z0-9._-]{0,62}$", options: .regularExpression) != nil else {
            throw APIKeyError.invalidName(name)
        }
        guard !scopes.isEmpty else { throw APIKeyError.noScopes }
        let token = Self.newToken()
        let prefix = String(token.prefix(7))
        let hash = Self.hash(token)
        let scopeNames = scopes.sorted().map(\.rawValue)
        do {
            let rows = try await database.client.query(
                """
                INSERT INTO dialer.api_keys (name, prefix, key_hash, scopes)
                VALUES (\(name), \(prefix), \(hash), \(scopeNames))
                RETURNING id, created_at
                """,
                logger: database.logger
            )
            for try await (id, created) in rows.decode((Int64, Date).self) {
                return (APIKey(id: id, name: name, prefix: prefix, scopes: scopes, createdAt: created), token)
            }
        } catch  where PostgresFailure.isUniqueViolation(error) {
            throw APIKeyError.nameTaken(name)
        }
        throw APIKeyError.notFound(name)
    }

    /// Every key, live ones first, newest first; revoked keys only when asked.
    public func list(includeRevoked: Bool = false) async throws -> [APIKey] {
        let rows = try await database.client.query(
            """
            SELECT id, name, prefix, scopes, created_at, last_used_at, revoked_at FROM dialer.api_keys
            WHERE revoked_at IS NULL OR \(includeRevoked)
            ORDER BY revoked_at IS NOT NULL, created_at DESC, id DESC
            """,
            logger: database.logger
        )
        var keys: [APIKey] = []
        for try await (id, name, prefix, scopes, created, used, revoked) in rows.decode((Int64, String, String, [String], Date, Date?, Date?).self) {
            keys.append(
                APIKey(
                    id: id,
                    name: name,
                    prefix: prefix,
                    scopes: Set(scopes.compactMap(APIScope.init(rawValue:))),
                    createdAt: created,
                    lastUsedAt: used,
                    revokedAt: revoked
                )
            )
        }
        return keys
    }

    /// Revokes the live key named `name`: its next request is 401.
    public func revoke(name: String) async throws {
        let rows = try await database.client.query(
            "UPDATE dialer.api_keys SET revoked_at = now() WHERE name = \(name) AND revoked_at IS NULL RETURNING id",
            logger: database.logger
        )
        for try await _ in rows.decode(Int64.self) { return }
        throw APIKeyError.notFound(name)
    }

    /// The live key `token` is, or nil for an unknown, malformed or revoked one. Marks it used.
    public func authenticate(_ token: String) async throws -> APIKey? {
        guard Self.isWellFormed(token) else { return nil }
        let hash = Self.hash(token)
        let resolution = Self.lastUsedResolution
        // One statement: the lookup, and the last-use stamp when the old one is stale.
        let rows = try await database.rows(AuthenticateAPIKeyStatement(hash: hash, resolution: resolution))
        for (id, name, prefix, scopes, created, used) in rows {
            return APIKey(
                id: id,
                name: name,
                prefix: prefix,
                scopes: Set(scopes.compactMap(APIScope.init(rawValue:))),
                createdAt: created,
                lastUsedAt: used
            )
        }
        return nil
    }

    /// `dk_` and 43 base64url characters; anything else is not looked up at all.
    public static func isWellFormed(_ token: String) -> Bool {
        token.utf8.count == 46 && token.hasPrefix("dk_")
            && token.utf8.dropFirst(3).allSatisfy { $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0.isASCIIAlphanumeric }
    }

    static func newToken() -> String {
        var bytes = [UInt8](repeating: 0, count: 32)
        var generator = SystemRandomNumberGenerator()
        for index in bytes.indices { bytes[index] = generator.next() }
        let encoded = Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        return "dk_" + encoded
    }

    public static func hash(_ token: String) -> Data {
        Data(SHA256.hash(data: Data(token.utf8)))
    }
}

extension UInt8 {
    fileprivate var isASCIIAlphanumeric: Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(self) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(self)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self)
    }
}
