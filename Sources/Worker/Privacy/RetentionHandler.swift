import Foundation
import Logging
import Queue
import Store

/// `apply_retention`: one job that never ends, purging each campaign's conversations once they
/// are older than its `retention_days`, every `interval`. Each campaign's purge that finds
/// something is a `dialer.privacy_actions` row of its own.
///
/// Leads to: nothing.
public struct RetentionHandler: JobWorker {
    public typealias Args = ApplyRetentionArgs
    let store: PrivacyStore
    let pacing: PrivacyPacing
    let interval: Duration
    let logger: Logger

    public init(database: Database, pacing: PrivacyPacing = PrivacyPacing(), interval: Duration = .seconds(3600), logger: Logger) {
        store = PrivacyStore(database: database)
        self.pacing = pacing
        self.interval = interval
        self.logger = logger
    }

    /// The job every worker makes sure exists (one, by its unique key).
    public static func schedule(_ queue: JobQueue) async throws {
        try await queue.ensureRecurring(ApplyRetentionArgs())
    }

    public func run(_ args: ApplyRetentionArgs, job: Job) async throws -> JobOutcome {
        for (campaign, before) in try await store.retentionCutoffs() {
            let first = try await store.purgeBatch(before: before, campaignID: campaign, limit: pacing.batchSize)
            guard first.calls > 0 else { continue }
            let action = try await store.begin("purge", jobID: nil, campaignID: campaign, olderThan: before)
            try await store.record(first, action: action)
            let (counts, finished) = try await PrivacyBatches(store: store, pacing: pacing).run(action: action) {
                try await store.purgeBatch(before: before, campaignID: campaign, limit: pacing.batchSize)
            } isDone: {
                $0.calls == 0
            }
            logger.info(
                "conversations past the campaign's retention purged",
                metadata: ["campaign": "\(campaign)", "calls": "\((first + counts).calls)"]
            )
            // Out of budget: the rest on the next run, soon.
            if !finished { return .snoozed(.zero) }
        }
        return .snoozed(interval)
    }
}
