import Foundation
import PostgresNIO
import TestSupport
import Testing

@testable import Store

/// Purges and erasures in SQL (sql/0025): the words of old calls go, their record stays;
/// a person's number goes everywhere but the DNC list.
@Suite struct PrivacyStoreTests {
    /// What is left of a call: transcript entries, callbacks with parameters, stream rows, the
    /// event's transcript length, and the record (status, outcome, Task id).
    static func remains(_ db: Database, _ sid: String) async throws -> String {
        try await db.scalar(
            """
            SELECT concat_ws(' ',
                (SELECT count(*) FROM dialer.transcript_entries WHERE call_sid = \(sid)),
                (SELECT count(*) FROM dialer.call_events WHERE call_sid = \(sid) AND params <> '{}'),
                (SELECT count(*) FROM dialer.media_streams WHERE call_sid = \(sid)),
                (SELECT jsonb_array_length(payload -> 'transcript') FROM dialer.webhook_events WHERE subject = 'call.ended:' || \(sid)),
                '|', c.status, k.outcome, s.salesforce_task_id, (SELECT count(*) FROM dialer.call_events WHERE call_sid = \(sid)))
            FROM dialer.calls AS c JOIN dialer.call_attempts AS a ON a.id = c.attempt_id JOIN dialer.contacts AS k ON k.id = a.contact_id
            LEFT JOIN dialer.task_syncs AS s ON s.call_sid = c.call_sid
            WHERE c.call_sid = \(sid)
            """,
            as: String.self
        )
    }

    @Test func aPurgeRemovesTheWordsOfOldCallsInBatchesAndKeepsTheirRecord() async throws {
        try await TestDatabase.withFresh { db, _ in
            let campaign = try await db.seedCampaign()
            for n in 0..<5 { try await db.seedConversation(campaign: campaign, callSID: "CAold000000\(n)", phone: "+1415555010\(n)") }
            try await db.seedConversation(campaign: campaign, callSID: "CArecent0001", phone: "+14155550111", endedDaysAgo: 10)
            try await db.seedConversation(campaign: campaign, callSID: "CAlive000001", phone: "+14155550112", endedDaysAgo: 200, ended: false)
            let store = PrivacyStore(database: db)
            let cutoff = Date().addingTimeInterval(-90 * 86_400)

            let first = try await store.purgeBatch(before: cutoff, campaignID: nil, limit: 3)
            #expect(first.calls == 3 && first.transcriptEntries == 6 && first.callEvents == 6 && first.mediaStreams == 3 && first.webhookEvents == 3)
            let second = try await store.purgeBatch(before: cutoff, campaignID: nil, limit: 3)
            #expect(second.calls == 2)
            #expect(try await store.purgeBatch(before: cutoff, campaignID: nil, limit: 3).calls == 0)

            for n in 0..<5 { #expect(try await Self.remains(db, "CAold000000\(n)") == "0 0 0 0 | completed answered 00TCAold000000\(n) 2") }
            // A call of ten days, and a call still under way however old: untouched.
            #expect(try await Self.remains(db, "CArecent0001") == "2 2 1 1 | completed answered 00TCArecent0001 2")
            #expect(try await Self.remains(db, "CAlive000001") == "2 2 1 1 | in-progress 00TCAlive000001 2")
        }
    }

    @Test func aCampaignsPurgeLeavesTheOtherCampaignsCalls() async throws {
        try await TestDatabase.withFresh { db, _ in
            let purged = try await db.seedCampaign("purged")
            let other = try await db.seedCampaign("other")
            try await db.seedConversation(campaign: purged, callSID: "CApurged0001")
            try await db.seedConversation(campaign: other, callSID: "CAother00001")
            let counts = try await PrivacyStore(database: db).purgeBatch(before: Date(), campaignID: purged, limit: 100)
            #expect(counts.calls == 1)
            #expect(try await Self.remains(db, "CAother00001").hasPrefix("2 2 1 1 |"))
        }
    }

    @Test func anErasureLeavesTheNumberOnlyOnTheDNCList() async throws {
        try await TestDatabase.withFresh { db, _ in
            let phone = "+14155550123"
            // The person was called by two campaigns, and by the API once; someone else too.
            for (n, name) in ["first", "second"].enumerated() {
                try await db.seedConversation(campaign: try await db.seedCampaign(name), callSID: "CAerase00000\(n)", phone: phone)
            }
            let other = try await db.seedCampaign("other")
            try await db.seedConversation(campaign: other, callSID: "CAkeep000001", phone: "+14155550199")
            try await db.execute(
                "INSERT INTO dialer.call_requests (campaign_id, to_e164, message) VALUES (\(other), \(phone), 'About your renewal, Pat')"
            )
            let store = PrivacyStore(database: db)
            let first = try await store.eraseBatch(phone: phone, limit: 1)
            #expect(first.calls == 1 && first.contacts == 2)
            let second = try await store.eraseBatch(phone: phone, limit: 1)
            #expect(second.calls == 1 && second.contacts == 1)
            let last = try await store.eraseBatch(phone: phone, limit: 1)
            #expect(last.calls == 0 && last.contacts == 0)

            // Nowhere but the DNC list, in any column of any table.
            let everywhere = try await db.scalar(
                """
                SELECT count(*)::int FROM (
                    SELECT to_e164 AS v FROM dialer.call_attempts UNION ALL SELECT phone_e164 FROM dialer.contacts
                    UNION ALL SELECT to_e164 FROM dialer.call_requests UNION ALL SELECT params::text FROM dialer.call_events
                    UNION ALL SELECT payload::text FROM dialer.webhook_events) AS x
                WHERE v LIKE '%4155550123%'
                """,
                as: Int.self
            )
            #expect(everywhere == 0)
            #expect(try await db.scalar("SELECT reason FROM dialer.dnc WHERE phone_e164 = \(phone)", as: String.self) == "erased")
            let contacts = try await db.rows(
                "SELECT first_name, context::text, outcome FROM dialer.contacts WHERE phone_e164 IS NULL ORDER BY id",
                as: (String?, String, String?).self
            )
            #expect(contacts.count == 2 && contacts.allSatisfy { $0.0 == nil && $0.1 == "{}" && $0.2 == "answered" })
            #expect(try await Self.remains(db, "CAerase000000") == "0 0 0 0 | completed answered 00TCAerase000000 2")
            #expect(try await db.scalar("SELECT to_e164 FROM dialer.call_attempts WHERE call_sid = 'CAerase000000'", as: String.self) == "…0123")
            #expect(try await db.scalar("SELECT message IS NULL AND erased_at IS NOT NULL FROM dialer.call_requests", as: Bool.self))
            // Someone else's call is untouched.
            #expect(try await Self.remains(db, "CAkeep000001").hasPrefix("2 2 1 1 |"))
        }
    }
}
