/// Campaign progress for pages and API clients that ask often: counting a campaign of 100,000
/// contacts and 200,000 calls takes Postgres a few hundred milliseconds, so a process counts
/// each campaign (and the list of all) at most about once per `maxAge`, whoever asks.
///
/// Stale while revalidating: an answer older than `maxAge` is served at once while one refresh
/// runs; only a first read, or one older than `maxStale`, waits, and then shares the one count
/// with every caller waiting for the same campaign. A change made through this process
/// (pause, resume, cancel) invalidates its campaign.
public actor CampaignProgressCache {
    let store: CampaignStore
    let maxAge: Duration
    let maxStale: Duration
    private var entries: [String: Entry] = [:]

    private struct Entry {
        var value: [CampaignProgress]?
        var countedAt: ContinuousClock.Instant?
        var refresh: Task<[CampaignProgress], any Error>?
    }

    public init(store: CampaignStore, maxAge: Duration = .seconds(1), maxStale: Duration = .seconds(30)) {
        self.store = store
        self.maxAge = maxAge
        self.maxStale = maxStale
    }

    /// Every campaign's progress (nil), or one campaign's, by name.
    public func progress(name: String? = nil) async throws -> [CampaignProgress] {
        let key = name.map { "campaign:" + $0 } ?? "all"
        let now = ContinuousClock.now
        var entry = entries[key] ?? Entry()
        if let value = entry.value, let countedAt = entry.countedAt {
            if now - countedAt < maxAge { return value }
            if now - countedAt < maxStale {
                if entry.refresh == nil {
                    entry.refresh = refresh(key: key, name: name)
                    entries[key] = entry
                }
                return value
            }
        }
        let task = entry.refresh ?? refresh(key: key, name: name)
        entry.refresh = task
        entries[key] = entry
        return try await task.value
    }

    /// Forgets a campaign's count (and the list's), so the next read counts again.
    public func invalidate(name: String) {
        entries["campaign:" + name] = nil
        entries["all"] = nil
    }

    private func refresh(key: String, name: String?) -> Task<[CampaignProgress], any Error> {
        if entries.count > 1_000 { entries = entries.filter { $0.value.refresh != nil } }
        return Task {
            do {
                let value = try await store.progress(name: name)
                self.store(value, key: key)
                return value
            } catch {
                self.failed(key: key)
                throw error
            }
        }
    }

    private func store(_ value: [CampaignProgress], key: String) {
        entries[key] = Entry(value: value, countedAt: .now, refresh: nil)
    }

    private func failed(key: String) {
        entries[key]?.refresh = nil
    }
}
