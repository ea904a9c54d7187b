import Store

/// How a purge or an erasure runs: one batch per transaction, a pause between batches so that
/// dialing's own statements get the database in between, and no longer than `budget` per run
/// of its job (then it is snoozed and claimed again: a lease never outlives a long purge).
public struct PrivacyPacing: Sendable {
    /// Calls (or attempts and contacts) per batch. 500 calls 20 ms apart purged twice as
    /// fast but raised status callbacks' p99 from 3 to 72 ms; 200 calls 50 ms apart kept it
    /// at 21 ms, at 2,300 calls a second (dialer-lab bench privacy, docs/BENCHMARKS.md).
    public var batchSize = 200
    public var pause: Duration = .milliseconds(50)
    public var budget: Duration = .seconds(20)

    public init() {}
}

/// The batches of one action: each one's counts added to its `privacy_actions` row.
struct PrivacyBatches {
    let store: PrivacyStore
    let pacing: PrivacyPacing

    /// Runs `batch` until one finds nothing (`isDone`) or the budget is spent. Returns what
    /// was done and whether the action is finished.
    func run(
        action: Int64,
        _ batch: () async throws -> PrivacyStore.Counts,
        isDone: (PrivacyStore.Counts) -> Bool
    ) async throws -> (counts: PrivacyStore.Counts, finished: Bool) {
        let clock = ContinuousClock()
        let deadline = clock.now + pacing.budget
        var total = PrivacyStore.Counts()
        while true {
            let counts = try await batch()
            let finished = isDone(counts)
            try await store.record(counts, action: action, finished: finished)
            total = total + counts
            if finished { return (total, true) }
            if clock.now >= deadline || Task.isCancelled { return (total, false) }
            try await Task.sleep(for: pacing.pause)
        }
    }
}
