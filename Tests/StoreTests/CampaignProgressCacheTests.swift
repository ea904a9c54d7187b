import Foundation
import Store
import TestSupport
import Testing

@Suite struct CampaignProgressCacheTests {
    @Test func aCountIsReusedWhileFreshServedStaleWhileRecountedAndForgottenOnInvalidate() async throws {
        try await TestDatabase.withFresh { db, _ in
            let (campaign, _) = try await CallAttemptStoreTests.campaign(db, contacts: 1)
            let cache = CampaignProgressCache(store: CampaignStore(database: db), maxAge: .milliseconds(300), maxStale: .seconds(30))
            #expect(try await cache.progress(name: "c").first?.contacts == 1)
            try await db.execute(
                "INSERT INTO dialer.contacts (campaign_id, salesforce_id, phone_e164) VALUES (\(campaign), '003SB0000000099AAA', '+14155550199')"
            )
            // Fresh: the first count again, without asking Postgres.
            #expect(try await cache.progress(name: "c").first?.contacts == 1)
            try await Task.sleep(for: .milliseconds(400))
            // Stale: served at once while one recount runs; the recount is there soon after.
            #expect(try await cache.progress(name: "c").first?.contacts == 1)
            var recounted = 0
            for _ in 0..<50 where recounted != 2 {
                try await Task.sleep(for: .milliseconds(20))
                recounted = try await cache.progress(name: "c").first?.contacts ?? 0
            }
            #expect(recounted == 2)

            try await db.execute(
                "INSERT INTO dialer.contacts (campaign_id, salesforce_id, phone_e164) VALUES (\(campaign), '003SB0000000098AAA', '+14155550198')"
            )
            await cache.invalidate(name: "c")
            #expect(try await cache.progress(name: "c").first?.contacts == 3)
            #expect(try await cache.progress(name: "nope").isEmpty)
        }
    }
}
