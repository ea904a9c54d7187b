import Synchronization

/// Values kept for `lifetime` after they were read, for reads a hot path would otherwise make
/// on every request (the API's keys, the hours of the campaigns its calls join). Only what
/// `keep` accepts is kept; past `capacity` entries the cache starts over.
public final class ExpiringCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private let entries = Mutex<[Key: (value: Value, at: ContinuousClock.Instant)]>([:])
    public let lifetime: Duration
    let capacity: Int

    public init(lifetime: Duration, capacity: Int = 1_000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    /// The kept value while fresh, else `read()`'s (kept when `keep` says so; a nil forgets
    /// what was kept).
    public func value(
        for key: Key,
        keep: (Value) -> Bool = { _ in true },
        read: () async throws -> Value?
    ) async throws -> Value? {
        let now = ContinuousClock.now
        if let hit = entries.withLock({ $0[key] }), now - hit.at < lifetime { return hit.value }
        guard let value = try await read() else {
            entries.withLock { _ = $0.removeValue(forKey: key) }
            return nil
        }
        guard keep(value) else { return value }
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = (value, now)
        }
        return value
    }
}
