import Foundation
import Queue
import Store
import TestSupport
import Testing
import Worker

/// A campaign ends by itself, in production code: completed once every callable contact has an
/// outcome and no call, retry or Task sync is pending; never before.
@Suite struct CampaignCompletionTests {
    /// An imported, active campaign with two callable contacts (one answered, one not yet
    /// dialed) and one skipped.
    static func campaign(_ db: Database) async throws -> (campaign: Int64, answered: Int64, waiting: Int64) {
        let id = try await CampaignStore(database: db).create(
            NewCampaign(name: "finishes", soql: "SELECT Id FROM Contact", fromNumber: "+14155550100")
        )
        try await db.execute("UPDATE dialer.jobs SET state = 'completed', finalized_at = now() WHERE campaign_id = \(id)")
        try await db.execute("UPDATE dialer.campaigns SET status = 'active', imported_at = now() WHERE id = \(id)")
        let ids = try await db.rows(
            """
            INSERT INTO dialer.contacts (campaign_id, salesforce_id, phone_e164, time_zone, skip_reason, outcome)
            VALUES (\(id), '003SB0000000000001', '+12125550101', 'America/New_York', NULL, 'answered'),
                   (\(id), '003SB0000000000002', '+12125550102', 'America/New_York', NULL, NULL),
                   (\(id), '003SB0000000000003', '+12125550103', 'America/New_York', 'do_not_call', NULL)
            RETURNING id
            """,
            as: Int64.self
        )
        return (id, ids[0], ids[1])
    }

    static func status(_ db: Database, _ id: Int64) async throws -> String {
        try await db.scalar(
            "SELECT status || CASE WHEN completed_at IS NOT NULL THEN ' at true' ELSE '' END FROM dialer.campaigns WHERE id = \(id)",
            as: String.self
        )
    }

    @Test func aCampaignCompletesOnlyWhenNothingIsLeftToDo() async throws {
        try await TestDatabase.withFresh { db, _ in
            let store = CampaignStore(database: db)
            let (id, answered, waiting) = try await Self.campaign(db)
            // A contact without an outcome, and its queued dial.
            try await db.execute(
                "INSERT INTO dialer.jobs (kind, args, campaign_id) VALUES ('place_call', jsonb_build_object('contactID', \(waiting)), \(id))"
            )
            #expect(try await store.completeFinished() == [])
            try await db.execute("UPDATE dialer.contacts SET outcome = 'busy' WHERE id = \(waiting)")
            #expect(try await store.completeFinished() == [], "a job is still queued")
            try await db.execute("UPDATE dialer.jobs SET state = 'completed', finalized_at = now() WHERE campaign_id = \(id)")
            // A call still on the line, then its Task sync pending.
            let attempt = try await db.scalar(
                """
                INSERT INTO dialer.call_attempts (contact_id, campaign_id, attempt_number, state, to_e164, from_e164, call_sid)
                VALUES (\(answered), \(id), 1, 'placed', '+12125550101', '+14155550100', 'CAdone1') RETURNING id
                """,
                as: UUID.self
            )
            try await db.execute("INSERT INTO dialer.calls (call_sid, attempt_id, status) VALUES ('CAdone1', \(attempt), 'in-progress')")
            #expect(try await store.completeFinished() == [], "a call is on the line")
            try await db.execute("UPDATE dialer.calls SET status = 'completed', ended_at = now() WHERE call_sid = 'CAdone1'")
            try await db.execute("INSERT INTO dialer.task_syncs (call_sid, attempt_id, campaign_id) VALUES ('CAdone1', \(attempt), \(id))")
            #expect(try await store.completeFinished() == [], "a Task sync is pending")
            #expect(try await Self.status(db, id) == "active")
            try await db.execute("UPDATE dialer.task_syncs SET state = 'failed', last_error = 'refused'")
            // A failed sync waits for an operator; it does not keep the campaign open.
            #expect(try await store.completeFinished() == ["finishes"])
            #expect(try await Self.status(db, id) == "completed at true")
            #expect(try await store.progress(name: "finishes").first?.status == .completed)
        }
    }

    @Test func pausedImportingAndUnimportedCampaignsAreNeverCompleted() async throws {
        try await TestDatabase.withFresh { db, _ in
            let (id, _, waiting) = try await Self.campaign(db)
            try await db.execute("UPDATE dialer.contacts SET outcome = 'no_answer' WHERE id = \(waiting)")
            for (status, imported) in [("paused", true), ("importing", false), ("paused", false), ("cancelled", true)] {
                try await db.execute(
                    "UPDATE dialer.campaigns SET status = \(status), imported_at = CASE WHEN \(imported) THEN now() END WHERE id = \(id)"
                )
                #expect(try await CampaignStore(database: db).completeFinished() == [], "\(status), imported \(imported)")
            }
        }
    }

    /// The worker's own job does it: scheduled once by any number of workers, run every interval.
    @Test func theScheduledJobCompletesAFinishedCampaign() async throws {
        try await TestDatabase.withFresh { db, _ in
            let (id, _, waiting) = try await Self.campaign(db)
            let queue = JobQueue(database: db)
            try await CompleteCampaignsHandler.schedule(queue)
            try await CompleteCampaignsHandler.schedule(queue)
            #expect(try await db.scalar("SELECT count(*)::int FROM dialer.jobs WHERE kind = 'complete_campaigns'", as: Int.self) == 1)
            let handler = CompleteCampaignsHandler(database: db, interval: .milliseconds(100), logger: TestDatabase.testLogger)
            try await withRunners([runner(db, [handler])]) {
                try await Task.sleep(for: .milliseconds(400))
                #expect(try await Self.status(db, id) == "active")
                try await db.execute("UPDATE dialer.contacts SET outcome = 'answered' WHERE id = \(waiting)")
                let completed = try await eventually { try await Self.status(db, id) == "completed at true" }
                #expect(completed)
            }
        }
    }
}
