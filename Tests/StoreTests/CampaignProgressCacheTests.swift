import Foundation
import Store
import TestSupport
import Testing

@Suite struct CampaignProgressCacheTests {
    static func addContact(_ db: Database, _ campaign: Int64, _ n: Int) async throws {
        try await db.execute(
            "INSERT INTO dialer.contacts (campaign_id, salesforce_id, phone_e164) VALUES (\(campaign), \("003SB00000000\(n)AAA"), \("+141555501\(n)"))"
        )
    }

    @Test func aFreshCountIsReusedUntilItsCampaignIsInvalidated() async throws {
        try await TestDatabase.withFresh { db, _ in
            let (campaign, _) = try await CallAttemptStoreTests.campaign(db, contacts: 1)
            let cache = CampaignProgressCache(store: CampaignStore(database: db), maxAge: .seconds(60))
            #expect(try await cache.progress(name: "c").value.first?.contacts == 1)
            #expect(try await cache.progress(name: nil).value.first?.contacts == 1)
            try await Self.addContact(db, campaign, 90)
            // Fresh: the first count again, without asking Postgres.
            #expect(try await cache.progress(name: "c").value.first?.contacts == 1)
            await cache.invalidate(name: "c")
            #expect(try await cache.progress(name: "c").value.first?.contacts == 2)
            #expect(try await cache.progress(name: nil).value.first?.contacts == 2)
            #expect(try await cache.progress(name: "nope").value.isEmpty)
        }
    }

    @Test func aStaleCountIsServedAtOnceWhileOneRecountRuns() async throws {
        try await TestDatabase.withFresh { db, _ in
            let (campaign, _) = try await CallAttemptStoreTests.campaign(db, contacts: 1)
            let cache = CampaignProgressCache(store: CampaignStore(database: db), maxAge: .zero, minInterval: .zero)
            #expect(try await cache.progress(name: "c").value.first?.contacts == 1)
            try await Self.addContact(db, campaign, 91)
            // A notification (the console's LISTEN hears one per change) makes the count stale.
            cache.noteChange()
            let stale = try await cache.progress(name: "c")
            #expect(stale.value.first?.contacts == 1 && stale.stale)
            let recounted = try await eventually { try await cache.progress(name: "c").value.first?.contacts == 2 }
            #expect(recounted)
        }
    }
}
