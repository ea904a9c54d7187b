import Foundation
import Synchronization

/// Campaign progress for the console's pages and the API's clients, aggregated at most once a
/// second per campaign (and once for the list) per process, however many look at it.
///
/// `dialer.campaign_progress` aggregates every contact and call of a campaign: about a second
/// of Postgres for 100,000 contacts and 200,000 calls. A page or a stream push never waits for
/// that once a value exists: a value that may be out of date (a campaign notification came
/// after it was read, or it is older than ``maxAge``) is answered as it is while one refresh
/// runs in the background (stale while revalidating), and the caller is told it was stale, so
/// a live stream looks again shortly. Only the first read of a campaign waits.
public actor CampaignProgressCache {
    /// A value this old is refreshed even if no notification said it changed (none arrive
    /// while no console stream is open).
    let maxAge: Duration
    /// Refreshes of one key start at most this often, so a busy campaign costs one aggregate a
    /// second, not one per notification...
    let minInterval: Duration
    /// ...and at most this share of the time is spent aggregating one key: an aggregate that
    /// takes a second is run at most every 5 s.
    let maxDutyCycle: Double

    private struct Entry {
        var value: [CampaignProgress]
        var readAt: ContinuousClock.Instant
    }

    private let store: CampaignStore
    private var entries: [String: Entry] = [:]
    private var refreshing: [String: Task<[CampaignProgress], any Error>] = [:]
    private var lastStarted: [String: ContinuousClock.Instant] = [:]
    private var lastDuration: [String: Duration] = [:]
    /// When a notification last said some campaign's numbers moved.
    private let lastChange = Mutex(ContinuousClock.now)

    public init(store: CampaignStore, maxAge: Duration = .seconds(2), minInterval: Duration = .seconds(1), maxDutyCycle: Double = 0.2) {
        self.store = store
        self.maxAge = maxAge
        self.minInterval = minInterval
        self.maxDutyCycle = maxDutyCycle
    }

    /// Called for every `campaign:` notification: cached values read before it are stale.
    public nonisolated func noteChange() {
        lastChange.withLock { $0 = .now }
    }

    /// One campaign's progress (nil: every campaign's), and whether it may be out of date.
    public func progress(name: String?) async throws -> (value: [CampaignProgress], stale: Bool) {
        let key = name.map { "campaign:\($0)" } ?? "all"
        guard let entry = entries[key] else { return (try await refresh(key, name).value, false) }
        let now = ContinuousClock.now
        let spacing = max(minInterval, (lastDuration[key] ?? .zero) / maxDutyCycle)
        let stale = entry.readAt < lastChange.withLock { $0 } || now - entry.readAt > max(maxAge, spacing)
        if stale, refreshing[key] == nil, lastStarted[key].map({ now - $0 >= spacing }) ?? true {
            _ = refresh(key, name)
        }
        return (entry.value, stale)
    }

    /// Forgets a campaign's value (and the list's) after a change made through this process
    /// (create, pause, resume, cancel): the next read counts again and waits for it.
    public func invalidate(name: String) {
        for key in ["campaign:\(name)", "all"] {
            entries[key] = nil
            refreshing[key] = nil
        }
    }

    /// Starts (or joins) the one read of `key`.
    private func refresh(_ key: String, _ name: String?) -> Task<[CampaignProgress], any Error> {
        if let running = refreshing[key] { return running }
        let store = self.store
        let started = ContinuousClock.now
        lastStarted[key] = started
        // The task reaches `completed` only after this method has recorded it (actor hop).
        let task = Task { [weak self] in
            do {
                let value = try await store.progress(name: name)
                await self?.completed(key, Entry(value: value, readAt: started))
                return value
            } catch {
                await self?.completed(key, nil)
                throw error
            }
        }
        refreshing[key] = task
        return task
    }

    private func completed(_ key: String, _ entry: Entry?) {
        refreshing[key] = nil
        if let started = lastStarted[key] { lastDuration[key] = ContinuousClock.now - started }
        // Names come from URLs: only campaigns that exist take a slot.
        if let entry, key == "all" || !entry.value.isEmpty { entries[key] = entry }
    }
}
