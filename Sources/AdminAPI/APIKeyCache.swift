import Foundation
import Store
import Synchronization

/// Keys that authenticated in the last second, by their SHA-256, so a client sending a thousand
/// requests a second costs the key lookup about once a second instead of on every request (it
/// was a statement of its own on each, a fifth of an API call's time).
///
/// What it costs: a key revoked by `dialer api-key revoke` (another process) is refused within
/// `lifetime`, not at once. Only keys that authenticated are kept; an unknown or malformed
/// token is looked up every time, so guessing fills nothing.
final class APIKeyCache: Sendable {
    private let entries = Mutex<[Data: (key: APIKey, at: ContinuousClock.Instant)]>([:])
    let lifetime: Duration
    /// Past this many live keys the cache starts over.
    let capacity = 10_000

    init(lifetime: Duration = .seconds(1)) {
        self.lifetime = lifetime
    }

    /// The key `token` is, from the cache while fresh, else from `keys` (and then kept).
    func authenticate(_ token: String, with keys: APIKeyStore) async throws -> APIKey? {
        guard APIKeyStore.isWellFormed(token) else { return nil }
        let hash = APIKeyStore.hash(token)
        let now = ContinuousClock.now
        if let hit = entries.withLock({ $0[hash] }), now - hit.at < lifetime { return hit.key }
        guard let key = try await keys.authenticate(token) else {
            entries.withLock { _ = $0.removeValue(forKey: hash) }
            return nil
        }
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[hash] = (key, now)
        }
        return key
    }
}
