import Logging
import Queue
import Store

/// `purge_conversations`: removes the words of calls that ended before the cutoff (transcript
/// entries, media-stream rows, callbacks' raw parameters, call.ended transcripts), keeping
/// attempts, statuses, outcomes and Task ids. Batched and paced (``PrivacyPacing``); a run
/// that uses its budget is snoozed and goes on where it left off. Counts in
/// `dialer.privacy_actions`.
///
/// Leads to: nothing.
public struct PurgeConversationsHandler: JobWorker {
    public typealias Args = PurgeConversationsArgs
    let store: PrivacyStore
    let pacing: PrivacyPacing
    let logger: Logger

    public init(database: Database, pacing: PrivacyPacing = PrivacyPacing(), logger: Logger) {
        store = PrivacyStore(database: database)
        self.pacing = pacing
        self.logger = logger
    }

    public func run(_ args: PurgeConversationsArgs, job: Job) async throws -> JobOutcome {
        let action = try await store.begin("purge", jobID: job.id, campaignID: args.campaignID, olderThan: args.olderThan)
        let (counts, finished) = try await PrivacyBatches(store: store, pacing: pacing).run(action: action) {
            try await store.purgeBatch(before: args.olderThan, campaignID: args.campaignID, limit: pacing.batchSize)
        } isDone: {
            $0.calls == 0
        }
        logger.info(
            finished ? "conversations purged" : "conversations purged so far; going on",
            metadata: ["older_than": "\(args.olderThan)", "calls": "\(counts.calls)", "rows": "\(counts.rows)"]
        )
        return finished ? .completed : .snoozed(.zero)
    }
}
