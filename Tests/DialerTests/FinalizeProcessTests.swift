import Foundation
import Salesforce
import Sandbox
import Store
import TestSupport
import Testing

/// Task syncs run by real `dialer worker` processes, and the operator's commands for them.
@Suite struct FinalizeProcessTests {
    static func worker(_ url: DatabaseURL, _ configuration: SalesforceConfiguration, _ environment: [String: String] = [:]) -> ChildProcess {
        ChildProcess(
            Products.path("dialer"),
            arguments: ["worker", "--lease", "2"],
            environment: CampaignCommandTests.salesforceEnvironment(configuration)
                .merging([
                    "DATABASE_URL": url.connectionString, "DIALER_TASK_SYNC_LEASE": "1",
                    // A create holds its syncs for as long as it may be in flight: 6 s with these.
                    "SALESFORCE_REQUEST_TIMEOUT": "2", "SALESFORCE_MAX_RETRIES": "0",
                ]) { a, _ in a }
                .merging(environment) { _, b in b }
        )
    }

    /// SIGKILL between Salesforce writing the Tasks and our commit: the Sandbox Salesforce's
    /// hook kills the worker once its Tasks exist, before it hears so.
    @Test func aWorkerKilledAfterSalesforceCreatedTasksLeavesExactlyOneTaskPerCall() async throws {
        try await TestDatabase.withFresh { db, url in
            try await withSandboxSalesforce { sandbox, configuration in
                let campaign = try await EndedCalls.campaign(db)
                let sids = try await EndedCalls.seed(db, campaignID: campaign, 30)
                let first = Self.worker(url, configuration)
                sandbox.hooks.afterTaskWrite = {
                    first.signal(SIGKILL)
                    _ = await first.wait(timeout: .seconds(10))
                }
                try first.start()
                #expect(await first.wait(timeout: .seconds(30)) == SIGKILL, "\(first.text)")
                sandbox.hooks = .init()
                #expect(!EndedCalls.tasksByCall(sandbox).isEmpty, "Salesforce made Tasks before the kill")
                #expect(try await db.scalar("SELECT count(*)::int FROM dialer.task_syncs WHERE state = 'synced'", as: Int.self) == 0)

                let second = Self.worker(url, configuration)
                try second.start()
                defer { second.signal(SIGTERM) }
                let synced = try await eventually(timeout: .seconds(30), every: .milliseconds(100)) {
                    try await db.scalar("SELECT count(*)::int FROM dialer.task_syncs WHERE state = 'synced'", as: Int.self) == 30
                }
                #expect(synced, "\(second.text)")
                #expect(EndedCalls.tasksByCall(sandbox) == Dictionary(uniqueKeysWithValues: sids.map { ($0, 1) }))
                let status = try await CampaignCommandTests.dialer(url, ["status"])
                #expect(status.status == 0, "\(status.output)")
                let row = status.output.split(separator: "\n").first { $0.hasPrefix("finalize test") }.map(String.init) ?? ""
                #expect(row.split(separator: " ", omittingEmptySubsequences: true).suffix(3) == ["30", "0", "0"], "\(status.output)")
            }
        }
    }

    @Test func tasksFailedListsSalesforcesErrorsAndTasksRetryBringsThemToSynced() async throws {
        try await TestDatabase.withFresh { db, url in
            try await withSandboxSalesforce { sandbox, configuration in
                let campaign = try await EndedCalls.campaign(db)
                try await EndedCalls.seed(db, campaignID: campaign, 3)
                let busy = try await EndedCalls.seed(db, campaignID: campaign, 2, from: 3, status: "busy", answered: false)
                sandbox.faults.rejectSubjectsContaining = "Busy"
                let worker = Self.worker(url, configuration)
                try worker.start()
                defer { worker.signal(SIGTERM) }
                let settled = try await eventually(timeout: .seconds(30), every: .milliseconds(100)) {
                    try await db.scalar("SELECT count(*)::int FROM dialer.task_syncs WHERE state = 'pending'", as: Int.self) == 0
                }
                #expect(settled, "\(worker.text)")

                let failed = try await CampaignCommandTests.dialer(url, ["tasks", "failed", "--campaign", "finalize test"])
                #expect(failed.status == 0)
                for sid in busy {
                    #expect(
                        failed.output.contains(sid) && failed.output.contains("FIELD_CUSTOM_VALIDATION_EXCEPTION: Subject is not allowed: Busy"),
                        "\(failed.output)"
                    )
                }
                let unfiltered = try await CampaignCommandTests.dialer(url, ["tasks", "retry"])
                #expect(unfiltered.status != 0 && unfiltered.output.contains("--all-failed"), "\(unfiltered.output)")
                let badTime = try await CampaignCommandTests.dialer(url, ["tasks", "retry", "--since", "yesterday"])
                #expect(badTime.status != 0 && badTime.output.contains("--since must be an ISO 8601 time"), "\(badTime.output)")
                #expect(try await db.scalar("SELECT count(*)::int FROM dialer.task_syncs WHERE state = 'failed'", as: Int.self) == 2)

                sandbox.faults.rejectSubjectsContaining = nil
                let retry = try await CampaignCommandTests.dialer(
                    url,
                    ["tasks", "retry", "--campaign", "finalize test", "--since", "2026-01-01T00:00:00Z"]
                )
                #expect(retry.status == 0 && retry.output.contains("re-queued 2 Task sync(s)"), "\(retry.output)")
                let synced = try await eventually(timeout: .seconds(30), every: .milliseconds(100)) {
                    try await db.scalar("SELECT count(*)::int FROM dialer.task_syncs WHERE state = 'synced'", as: Int.self) == 5
                }
                #expect(synced, "\(worker.text)")
                #expect(EndedCalls.tasksByCall(sandbox).count == 5 && EndedCalls.tasksByCall(sandbox).values.allSatisfy { $0 == 1 })
                let after = try await CampaignCommandTests.dialer(url, ["tasks", "failed"])
                #expect(after.output.contains("no failed Task syncs"), "\(after.output)")
            }
        }
    }
}
