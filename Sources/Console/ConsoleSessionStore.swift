import Crypto
import Foundation
import PostgresNIO
import Store

/// Who is signed in to the console: the key they signed in with, and what it allows.
public struct ConsoleSession: Sendable, Equatable {
    public let keyName: String
    public let scopes: Set<APIScope>
    /// The per-session CSRF token every state-changing POST must carry.
    public let csrfToken: String

    public func allows(_ scope: APIScope) -> Bool { scopes.contains(scope) }
}

/// Console sessions in Postgres (`dialer.console_sessions`), so every `dialer serve` behind a
/// load balancer knows them. Only a SHA-256 of a session id is stored; the id itself exists
/// only in the browser's cookie. A session lives while its key is live and it is used at least
/// once per ``idleTimeout``.
public struct ConsoleSessionStore: Sendable {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// A session unused this long is over.
    public static let idleTimeout: TimeInterval = 12 * 3600
    /// Expiry is pushed out at most this often, so browsing is not writing.
    static let touchResolution: TimeInterval = 60

    /// Opens a session for the key and returns its id, the cookie's value: the only copy.
    /// Sessions past their expiry are deleted on the way (the index on expires_at finds them).
    public func open(apiKeyID: Int64) async throws -> String {
        let id = Self.newID()
        try await database.client.query(
            """
            WITH pruned AS (DELETE FROM dialer.console_sessions WHERE expires_at < now())
            INSERT INTO dialer.console_sessions (id_hash, api_key_id, expires_at)
            VALUES (\(Self.hash(id)), \(apiKeyID), now() + make_interval(secs => \(Self.idleTimeout)))
            """,
            logger: database.logger
        )
        return id
    }

    /// The live session `id` names, with its key's scopes; nil for an unknown, expired or
    /// malformed id, or one whose key was revoked. Pushes its idle expiry out.
    public func session(id: String) async throws -> ConsoleSession? {
        guard Self.isWellFormed(id) else { return nil }
        let idle = Self.idleTimeout
        let resolution = Self.touchResolution
        let rows = try await database.client.query(
            """
            WITH live AS (
                SELECT s.id_hash, s.expires_at, k.name, k.scopes
                FROM dialer.console_sessions s JOIN dialer.api_keys k ON k.id = s.api_key_id AND k.revoked_at IS NULL
                WHERE s.id_hash = \(Self.hash(id)) AND s.expires_at > now()
            ), touched AS (
                UPDATE dialer.console_sessions t SET expires_at = now() + make_interval(secs => \(idle)) FROM live
                WHERE t.id_hash = live.id_hash AND live.expires_at < now() + make_interval(secs => \(idle - resolution))
                RETURNING t.id_hash
            )
            SELECT name, scopes FROM live
            """,
            logger: database.logger
        )
        for try await (name, scopes) in rows.decode((String, [String]).self) {
            return ConsoleSession(keyName: name, scopes: Set(scopes.compactMap(APIScope.init(rawValue:))), csrfToken: Self.csrfToken(sessionID: id))
        }
        return nil
    }

    /// Ends the session (signing out).
    public func close(id: String) async throws {
        guard Self.isWellFormed(id) else { return }
        try await database.client.query("DELETE FROM dialer.console_sessions WHERE id_hash = \(Self.hash(id))", logger: database.logger)
    }

    /// The session's CSRF token: an HMAC of a fixed label under the session id, so it is fixed
    /// for the session, needs no column, and cannot be computed without the (HttpOnly) id.
    static func csrfToken(sessionID: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data("dialer console csrf".utf8), using: SymmetricKey(data: Data(sessionID.utf8)))
        return base64URL(Data(mac))
    }

    /// 43 base64url characters (32 random bytes).
    static func isWellFormed(_ id: String) -> Bool {
        id.utf8.count == 43
            && id.utf8.allSatisfy {
                $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0)
                    || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
            }
    }

    static func newID() -> String {
        var generator = SystemRandomNumberGenerator()
        return base64URL(Data((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }))
    }

    static func hash(_ id: String) -> Data { Data(SHA256.hash(data: Data(id.utf8))) }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

/// Compares two tokens in time that depends only on their lengths, so a forger learns nothing
/// from how fast a wrong token is refused.
func constantTimeEqual(_ a: String, _ b: String) -> Bool {
    let (x, y) = (Array(a.utf8), Array(b.utf8))
    guard x.count == y.count else { return false }
    var difference: UInt8 = 0
    for index in x.indices { difference |= x[index] ^ y[index] }
    return difference == 0
}
