import Foundation
import Store

/// Keys that authenticated in the last second, by their SHA-256, so a client sending a thousand
/// requests a second costs the key lookup about once a second instead of on every request (it
/// was a statement of its own on each, a fifth of an API call's time).
///
/// What it costs: a key revoked by `dialer api-key revoke` (another process) is refused within
/// `lifetime`, not at once. Only keys that authenticated are kept; an unknown or malformed
/// token is looked up every time, so guessing fills nothing.
final class APIKeyCache: Sendable {
    private let keys: ExpiringCache<Data, APIKey>

    init(lifetime: Duration = .seconds(1)) {
        keys = ExpiringCache(lifetime: lifetime, capacity: 10_000)
    }

    /// The key `token` is, from the cache while fresh, else from `store` (and then kept).
    func authenticate(_ token: String, with store: APIKeyStore) async throws -> APIKey? {
        guard APIKeyStore.isWellFormed(token) else { return nil }
        return try await keys.value(for: APIKeyStore.hash(token)) { try await store.authenticate(token) }
    }
}
