import Foundation
import Queue
import Store
import TestSupport
import Testing
import Worker

/// The privacy jobs as a worker runs them: a purge that outlasts its budget goes on where it
/// left off, an erasure leaves its job without the number, and a campaign's retention purges
/// by itself. Each says what it did in `dialer.privacy_actions`.
@Suite struct PrivacyJobsTests {
    /// Two calls per batch, one batch per run: five old calls take three runs.
    static var smallBatches: PrivacyPacing {
        var pacing = PrivacyPacing()
        pacing.batchSize = 2
        pacing.pause = .zero
        pacing.budget = .zero
        return pacing
    }

    static func runUntilDone(_ db: Database, _ handlers: [any JobHandler], kind: String) async throws {
        try await withRunners([runner(db, handlers)]) {
            let done = try await eventually(timeout: .seconds(20)) {
                try await db.scalar("SELECT count(*)::int FROM dialer.jobs WHERE kind = \(kind) AND state = 'completed'", as: Int.self) == 1
            }
            #expect(done)
        }
    }

    @Test func aPurgeGoesOnAcrossRunsAndSaysWhatItDid() async throws {
        try await TestDatabase.withFresh { db, _ in
            let campaign = try await db.seedCampaign()
            for n in 0..<5 { try await db.seedConversation(campaign: campaign, callSID: "CAold000000\(n)", phone: "+1415555010\(n)") }
            try await db.seedConversation(campaign: campaign, callSID: "CArecent0001", phone: "+14155550111", endedDaysAgo: 10)
            let job = try await JobQueue(database: db).enqueue(PurgeConversationsArgs(olderThan: Date().addingTimeInterval(-90 * 86_400)))
            let handler = PurgeConversationsHandler(database: db, pacing: Self.smallBatches, logger: TestDatabase.testLogger)
            try await Self.runUntilDone(db, [handler], kind: PurgeConversationsArgs.kind)

            let action = try #require(try await PrivacyStore(database: db).actions(jobID: job.id).first)
            #expect(action.action == "purge" && action.finishedAt != nil && action.campaign == nil)
            #expect(action.counts.calls == 5 && action.counts.transcriptEntries == 10 && action.counts.mediaStreams == 5)
            #expect(try await db.scalar("SELECT count(*)::int FROM dialer.transcript_entries", as: Int.self) == 2)
            // Three runs of one batch each, then the empty one: the job was snoozed in between.
            #expect(try await db.scalar("SELECT attempt FROM dialer.jobs WHERE id = \(job.id)", as: Int.self) >= 3)
        }
    }

    @Test func anErasureLeavesItsJobWithoutTheNumber() async throws {
        try await TestDatabase.withFresh { db, _ in
            try await db.seedConversation(campaign: try await db.seedCampaign(), callSID: "CAerase000001")
            let job = try await JobQueue(database: db).enqueue(ErasePhoneArgs(phone: "+14155550123"))
            try await Self.runUntilDone(db, [ErasePhoneHandler(database: db, logger: TestDatabase.testLogger)], kind: ErasePhoneArgs.kind)
            let action = try #require(try await PrivacyStore(database: db).actions(jobID: job.id).first)
            #expect(action.action == "erase" && action.phone == "+1415*****23" && action.counts.calls == 1 && action.finishedAt != nil)
            #expect(try await db.scalar("SELECT args ->> 'phone' FROM dialer.jobs WHERE id = \(job.id)", as: String.self) == "+1415*****23")
            #expect(try await db.scalar("SELECT count(*)::int FROM dialer.jobs WHERE args::text LIKE '%4155550123%'", as: Int.self) == 0)
            #expect(try await db.scalar("SELECT count(*)::int FROM dialer.dnc WHERE phone_e164 = '+14155550123'", as: Int.self) == 1)
        }
    }

    @Test func aCampaignsRetentionPurgesItsOldCallsByItself() async throws {
        try await TestDatabase.withFresh { db, _ in
            let kept = try await db.seedCampaign("kept-forever")
            let short = try await db.seedCampaign("thirty-days")
            try await db.execute("UPDATE dialer.campaigns SET retention_days = 30 WHERE id = \(short)")
            try await db.seedConversation(campaign: short, callSID: "CAshort00001", endedDaysAgo: 40)
            try await db.seedConversation(campaign: short, callSID: "CAshort00002", phone: "+14155550124", endedDaysAgo: 20)
            try await db.seedConversation(campaign: kept, callSID: "CAkept000001", endedDaysAgo: 400)
            try await RetentionHandler.schedule(JobQueue(database: db))
            try await withRunners([runner(db, [RetentionHandler(database: db, logger: TestDatabase.testLogger)])]) {
                let purged = try await eventually(timeout: .seconds(20)) {
                    try await db.scalar("SELECT count(*)::int FROM dialer.privacy_actions WHERE calls = 1", as: Int.self) == 1
                }
                #expect(purged)
            }
            let left = try await db.rows("SELECT DISTINCT call_sid FROM dialer.transcript_entries ORDER BY 1", as: String.self)
            #expect(left == ["CAkept000001", "CAshort00002"])
            #expect(try await db.scalar("SELECT campaign_id FROM dialer.privacy_actions", as: Int64.self) == short)
        }
    }
}
