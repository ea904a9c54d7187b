import Logging
import Queue
import Store

/// `complete_campaigns`: one job that never ends, marking campaigns completed once every
/// callable contact has an outcome and no call, retry or Task sync is pending.
///
/// A campaign's last piece of work may end anywhere (a callback, a finalizer run, a job
/// discarded for good), often in a transaction that cannot see the others; checking every
/// `interval` from one place sees them all, and costs one statement.
///
/// Leads to: `deliver_webhook` for each completed campaign's `campaign.completed` event, when an
/// endpoint receives it (`dialer.publish_event`, in the statement that completes it).
public struct CompleteCampaignsHandler: JobWorker {
    public typealias Args = CompleteCampaignsArgs
    let campaigns: CampaignStore
    let interval: Duration
    let logger: Logger

    public init(database: Database, interval: Duration = .seconds(30), logger: Logger) {
        campaigns = CampaignStore(database: database)
        self.interval = interval
        self.logger = logger
    }

    /// The job every worker makes sure exists (one, by its unique key).
    public static func schedule(_ queue: JobQueue) async throws {
        try await queue.ensureRecurring(CompleteCampaignsArgs())
    }

    public func run(_ args: CompleteCampaignsArgs, job: Job) async throws -> JobOutcome {
        for name in try await campaigns.completeFinished() {
            logger.notice("campaign.completed", metadata: ["campaign": "\(name)"])
        }
        return .snoozed(interval)
    }
}
