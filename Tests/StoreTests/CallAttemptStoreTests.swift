import Foundation
import PostgresNIO
import Store
import TestSupport
import Testing

@Suite struct CallAttemptStoreTests {
    static func contact(_ db: Database) async throws -> (campaign: Int64, contact: Int64) {
        let campaign = try await CampaignStore(database: db).create(NewCampaign(name: "c", soql: "SELECT Id FROM Contact", fromNumber: "+14155550100"))
        let contact = try await db.scalar(
            "INSERT INTO dialer.contacts (campaign_id, salesforce_id, phone_e164) VALUES (\(campaign), '003SB0000000001AAA', '+14155550123') RETURNING id",
            as: Int64.self
        )
        return (campaign, contact)
    }

    @Test func anAttemptNumberStartsOnceWhateverHappensToTheWorker() async throws {
        try await TestDatabase.withFresh(maxConnections: 12) { db, _ in
            let (campaign, contact) = try await Self.contact(db)
            let store = CallAttemptStore(database: db)
            // Eight workers race to start attempt 1 (a rescued job and its stale twin, say).
            let starts = try await withThrowingTaskGroup(of: CallAttemptStore.Start.self) { group in
                for job in 0..<8 {
                    group.addTask { try await store.begin(contactID: contact, campaignID: campaign, attemptNumber: 1, jobID: Int64(job), to: "+14155550123", from: "+14155550100") }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let started = starts.compactMap { if case .started(let id) = $0 { id } else { nil } }
            #expect(started.count == 1)
            #expect(starts.allSatisfy { if case .existing(let attempt) = $0 { attempt.id == started[0] && attempt.state == .dialing } else { true } })
            #expect(try await db.scalar("SELECT count(*)::int FROM dialer.call_attempts", as: Int.self) == 1)
            // The next attempt number is a new row.
            guard case .started = try await store.begin(contactID: contact, campaignID: campaign, attemptNumber: 2, jobID: nil, to: "+14155550123", from: "+14155550100") else {
                Issue.record("attempt 2 did not start")
                return
            }
        }
    }

    @Test func anAttemptSettlesOnceAndAnUnknownOneCanStillBeReconciled() async throws {
        try await TestDatabase.withFresh { db, _ in
            let (campaign, contact) = try await Self.contact(db)
            let store = CallAttemptStore(database: db)
            guard case .started(let id) = try await store.begin(contactID: contact, campaignID: campaign, attemptNumber: 1, jobID: 7, to: "+14155550123", from: "+14155550100") else {
                Issue.record("no start")
                return
            }
            #expect(try await store.markUnknown(id, message: "timed out after sending"))
            #expect(try await store.markPlaced(id, callSID: "CA0001"))  // reconciliation found the call
            #expect(try await !store.markFailed(id, code: 21211, message: "late"))
            let attempt = try #require(try await store.attempt(contactID: contact, attemptNumber: 1))
            #expect(attempt.state == .placed && attempt.callSID == "CA0001" && attempt.twilioErrorCode == nil)

            guard case .started(let second) = try await store.begin(contactID: contact, campaignID: campaign, attemptNumber: 2, jobID: 8, to: "+14155550123", from: "+14155550100") else {
                Issue.record("no start")
                return
            }
            #expect(try await store.markFailed(second, code: 21211, message: "invalid To"))
            #expect(try await store.attempt(contactID: contact, attemptNumber: 2)?.twilioErrorCode == 21211)
            // A CallSid belongs to one attempt only.
            guard case .started(let third) = try await store.begin(contactID: contact, campaignID: campaign, attemptNumber: 3, jobID: 9, to: "+14155550123", from: "+14155550100") else {
                Issue.record("no start")
                return
            }
            await #expect(throws: PSQLError.self) { try await store.markPlaced(third, callSID: "CA0001") }
        }
    }
}
