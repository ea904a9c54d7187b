import ArgumentParser
import DialerServices
import Foundation
import Store

/// `dialer tasks`: Salesforce Task syncs that failed, and the one-command retry.
struct TasksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tasks",
        abstract: "List failed Salesforce Task syncs and re-queue them.",
        discussion: """
            Every ended call gets one Salesforce Task. A sync Salesforce refused (a validation \
            rule, a missing field) is marked failed with Salesforce's message; an outage or the \
            request limit only holds syncs back, and they go on by themselves. Once the cause \
            is fixed, `dialer tasks retry` puts failed syncs back in the queue; the same from \
            SQL: SELECT dialer.retry_task_sync(p_campaign_id => 3).

            Examples:
              dialer tasks failed --campaign ca-renewals
              dialer tasks retry --campaign ca-renewals
              dialer tasks retry --call-sid CA0123456789abcdef0123456789abcdef
              dialer tasks retry --since 2026-12-01T00:00:00Z
              dialer tasks retry --all-failed
            """,
        subcommands: [Failed.self, Retry.self]
    )

    struct Failed: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List failed Task syncs with Salesforce's errors (the dialer.task_sync_failures view).",
            discussion: """
                Example:
                  dialer tasks failed --campaign ca-renewals --held-back
                """
        )
        @OptionGroup var database: DatabaseOptions

        @Option(help: "Only this campaign's syncs (by name).")
        var campaign: String?

        @Flag(help: "Also list pending syncs held back by an outage or the request limit.")
        var heldBack = false

        func run() async throws {
            let campaign = campaign
            let heldBack = heldBack
            try await Database.run(url: try database.url(), maxConnections: 1, logger: database.logger("dialer.tasks")) { db in
                let failures = try await TaskSyncOperations(database: db).failures(campaign: campaign, includeHeldBack: heldBack)
                guard !failures.isEmpty else { return print("no failed Task syncs\(campaign.map { " in \($0)" } ?? "")") }
                let stamp = ISO8601DateFormatter()
                print(
                    Table(
                        header: ["call_sid", "campaign", "contact", "state", "attempts", "error", "updated_at"],
                        rows: failures.map {
                            [
                                $0.callSID, $0.campaign, $0.contact ?? "-", $0.state, "\($0.attempts)",
                                [$0.errorCode, $0.error].compactMap { $0 }.joined(separator: ": "), stamp.string(from: $0.updatedAt),
                            ]
                        }
                    ).render()
                )
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-queue failed Task syncs (dialer.retry_task_sync); filters combine.",
            discussion: """
                Each selected failed sync goes back to pending with a finalize job; a running \
                worker writes it within seconds. A sync whose Task may exist already is looked \
                up before it is written again, so a retry never makes a second Task.

                Examples:
                  dialer tasks retry --campaign ca-renewals --since 2026-12-01T00:00:00Z
                  dialer tasks retry --all-failed
                """
        )
        @OptionGroup var database: DatabaseOptions

        @Option(help: "Only this campaign's failed syncs (by name).")
        var campaign: String?

        @Option(name: .customLong("call-sid"), help: "Only this call's sync.")
        var callSID: String?

        @Option(help: "Only syncs that failed at or after this time (ISO 8601, such as 2026-12-01T09:00:00Z).")
        var since: String?

        @Flag(help: "Every failed sync, when no other filter is given.")
        var allFailed = false

        func run() async throws {
            var sinceDate: Date?
            if let since {
                guard let parsed = ISO8601DateFormatter().date(from: since) else {
                    throw ValidationError("--since must be an ISO 8601 time such as 2026-12-01T09:00:00Z, not \(since)")
                }
                sinceDate = parsed
            }
            let selection = TaskSyncOperations.RetrySelection(campaign: campaign, callSID: callSID, since: sinceDate, allFailed: allFailed)
            try await Database.run(url: try database.url(), maxConnections: 1, logger: database.logger("dialer.tasks")) { db in
                do {
                    let count = try await TaskSyncOperations(database: db).retry(selection)
                    print(count == 0 ? "no failed Task syncs matched" : "re-queued \(count) Task sync(s)")
                } catch let error as TaskSyncOperations.RetryError {
                    throw CommandFailure("dialer tasks retry: \(error)")
                }
            }
        }
    }
}
