import Foundation
import PostgresNIO
import Store
import TestSupport
import Testing

/// What operators read in SQL: campaign_progress, call_outcomes, task_sync_failures, and the
/// read-only dialer_monitor role that may read them and nothing else.
@Suite struct MonitoringViewsTests {
    /// 3 answered calls synced, 2 busy ones refused by Salesforce, a contact waiting, one
    /// being dialed, one skipped.
    static func campaign(_ f: Finalizing) async throws {
        try await f.endCalls(3)
        try await f.endCalls(2, from: 3, status: "busy", answered: false, transcriptLines: 0)
        try await f.db.execute(
            """
            WITH k AS (
                INSERT INTO dialer.contacts (campaign_id, salesforce_id, phone_e164, time_zone, skip_reason)
                VALUES (\(f.campaignID), '003SB0000000000100', '+12125550100', 'America/New_York', NULL),
                       (\(f.campaignID), '003SB0000000000101', '+12125550101', 'America/New_York', NULL),
                       (\(f.campaignID), '003SB0000000000102', '+12125550102', 'America/New_York', 'do_not_call')
                RETURNING id, salesforce_id
            )
            INSERT INTO dialer.call_attempts (contact_id, campaign_id, attempt_number, state, to_e164, from_e164)
            SELECT id, \(f.campaignID), 1, 'dialing', '+12125550101', '+14155550100' FROM k WHERE salesforce_id = '003SB0000000000101'
            """
        )
        f.sandbox.faults.rejectSubjectsContaining = "Busy"
        #expect(try await f.finalize([f.handler()]))
    }

    @Test func campaignProgressCountsContactsCallsAndTasks() async throws {
        try await Finalizing.with { f in
            try await Self.campaign(f)
            let row = try await f.db.scalar(
                """
                SELECT concat_ws(' ', contacts, callable, skipped_do_not_call, pending, in_progress, done, done_answered, done_busy,
                                 calls_placed, calls_answered, avg_duration_seconds, tasks_synced, tasks_failed, tasks_pending)
                FROM dialer.campaign_progress WHERE id = \(f.campaignID)
                """,
                as: String.self
            )
            #expect(row == "8 7 1 1 1 5 3 2 5 3 42.0 3 2 0")
            let progress = try #require(try await CampaignStore(database: f.db).progress(name: "finalize test").first)
            #expect(progress.pending == 1 && progress.inProgress == 1 && progress.done == 5 && progress.outcomes["busy"] == 2)
            #expect(progress.callsPlaced == 5 && progress.averageDurationSeconds == 42 && progress.tasksFailed == 2)
        }
    }

    @Test func callOutcomesShowEachCallWithTheNumberMasked() async throws {
        try await Finalizing.with { f in
            try await Self.campaign(f)
            let rows = try await f.db.rows(
                """
                SELECT call_sid, phone, status, disposition, transcript_entries::int, coalesce(task_sync, '-')
                FROM dialer.call_outcomes ORDER BY dialed_at, contact
                """,
                as: (String?, String, String, String, Int, String).self
            )
            #expect(rows.count == 6)
            #expect(rows.allSatisfy { $0.1.hasPrefix("…") && $0.1.count == 5 })
            #expect(rows.filter { $0.3 == "Answered" && $0.4 == 2 && $0.5 == "synced" }.count == 3)
            #expect(rows.filter { $0.3 == "Busy" && $0.2 == "busy" && $0.5 == "failed" }.count == 2)
            #expect(rows.filter { $0.0 == nil && $0.2 == "dialing" }.count == 1)
        }
    }

    @Test func taskSyncFailuresListsFailedSyncsWithSalesforcesMessage() async throws {
        try await Finalizing.with { f in
            try await Self.campaign(f)
            let rows = try await f.db.rows(
                "SELECT campaign, state, last_error_code, last_error FROM dialer.task_sync_failures",
                as: (String, String, String, String).self
            )
            #expect(rows.count == 2)
            #expect(rows.allSatisfy { $0 == ("finalize test", "failed", "FIELD_CUSTOM_VALIDATION_EXCEPTION", "Subject is not allowed: Busy") })
            #expect(try await f.db.scalar("SELECT dialer.retry_task_sync(p_call_sid => 'CAfin00000003')", as: Int.self) == 1)
            await #expect(throws: PSQLError.self) { try await f.db.scalar("SELECT dialer.retry_task_sync()", as: Int.self) }
        }
    }

    @Test func theMonitorRoleReadsTheViewsAndNothingElse() async throws {
        try await Finalizing.with { f in
            try await Self.campaign(f)
            try await f.db.client.withConnection { connection in
                try await connection.query("SET ROLE dialer_monitor", logger: TestDatabase.testLogger)
                for view in [
                    "campaign_progress", "call_outcomes", "task_sync_failures", "job_counts", "stuck_jobs", "discarded_jobs", "callbacks",
                ] {
                    let rows = try await connection.query(
                        PostgresQuery(unsafeSQL: "SELECT count(*)::int FROM dialer.\(view)"),
                        logger: TestDatabase.testLogger
                    )
                    for try await count in rows.decode(Int.self) { #expect(count >= 0) }
                }
                for forbidden in [
                    "SELECT count(*) FROM dialer.contacts", "SELECT count(*) FROM dialer.transcript_entries",
                    "UPDATE dialer.task_syncs SET attempts = 0", "SELECT dialer.retry_task_sync(p_all_failed => true)",
                    "DELETE FROM dialer.jobs",
                ] {
                    await #expect(throws: PSQLError.self, "\(forbidden)") {
                        for try await _ in try await connection.query(PostgresQuery(unsafeSQL: forbidden), logger: TestDatabase.testLogger) {}
                    }
                }
                try await connection.query("RESET ROLE", logger: TestDatabase.testLogger)
            }
            #expect(try await f.syncStates() == ["synced": 3, "failed": 2], "the monitor changed nothing")
        }
    }
}
