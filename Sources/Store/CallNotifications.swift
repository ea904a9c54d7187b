import Foundation
import Logging
import PostgresNIO
import Synchronization

/// The notifications of calls accepted through the API, sent for many calls at once: `dialer_jobs`
/// for each kind of job that came due (the workers' wake-up) and `dialer_console` for each
/// campaign whose rows changed (the console's live pages).
///
/// `dialer.accept_call_request` does not notify (sql/0022): a transaction that notifies holds a
/// cluster-wide lock until its commit is flushed, so calls that each notified committed one at
/// a time. Here one statement every `interval` carries what the calls since the last one
/// changed. A notification lost with the process costs a worker's poll (a second) and a console
/// refresh; nothing is written here.
public final class CallNotifications: Sendable {
    private struct Pending {
        var kinds: Set<String> = []
        var campaigns: Set<Int64> = []
        var scheduled = false
    }

    private let pending = Mutex(Pending())
    let database: Database
    let interval: Duration

    public init(database: Database, interval: Duration = .milliseconds(20)) {
        self.database = database
        self.interval = interval
    }

    /// A call of `campaignID` was written; `dueJob` names the kind of its job when it may run now.
    public func accepted(campaignID: Int64, dueJob: String?) {
        let schedule = pending.withLock { pending -> Bool in
            pending.campaigns.insert(campaignID)
            if let dueJob { pending.kinds.insert(dueJob) }
            defer { pending.scheduled = true }
            return !pending.scheduled
        }
        guard schedule else { return }
        Task { [self] in
            try? await Task.sleep(for: interval)
            await send()
        }
    }

    private func send() async {
        let (kinds, campaigns) = pending.withLock { pending in
            defer { pending = Pending() }
            return (Array(pending.kinds), Array(pending.campaigns))
        }
        do {
            try await database.client.query(
                """
                SELECT count(*) FROM (
                    SELECT pg_notify('dialer_jobs', k) FROM unnest(\(kinds)::text[]) AS k
                    UNION ALL
                    SELECT pg_notify('dialer_console', 'campaign:' || c) FROM unnest(\(campaigns)::bigint[]) AS c
                ) AS sent
                """,
                logger: database.logger
            )
        } catch {
            database.logger.warning(
                "could not notify of accepted calls: workers find them at their next poll",
                metadata: ["error": "\(String(reflecting: type(of: error)))"]
            )
        }
    }
}
