import Logging
import Queue
import Store

/// `prune_idempotency_keys`: one job that never ends, deleting the HTTP API's stored answers
/// once their 24 hours are over, in batches, so `dialer.idempotency_keys` holds about a day of
/// requests however long the dialer runs.
///
/// Leads to: nothing.
public struct PruneIdempotencyKeysHandler: JobWorker {
    public typealias Args = PruneIdempotencyKeysArgs
    let store: IdempotencyStore
    let interval: Duration
    let logger: Logger

    public init(database: Database, interval: Duration = .seconds(3600), logger: Logger) {
        store = IdempotencyStore(database: database)
        self.interval = interval
        self.logger = logger
    }

    /// The job every worker makes sure exists (one, by its unique key).
    public static func schedule(_ queue: JobQueue) async throws {
        try await queue.ensureRecurring(PruneIdempotencyKeysArgs())
    }

    public func run(_ args: PruneIdempotencyKeysArgs, job: Job) async throws -> JobOutcome {
        var pruned = 0
        while true {
            let batch = try await store.pruneExpired(limit: 10_000)
            pruned += batch
            if batch < 10_000 { break }
        }
        if pruned > 0 { logger.info("idempotency keys pruned", metadata: ["count": "\(pruned)"]) }
        return .snoozed(interval)
    }
}
