import Foundation
import PostgresNIO
import Store
import TestSupport
import Testing

@Suite struct CallRecordStoreTests {
    /// `count` calls of one contact each, a second apart, the newest last; the first answered
    /// with a transcript and a synced Task.
    static func calls(_ db: Database, count: Int) async throws -> [UUID] {
        let (campaign, contacts) = try await CallAttemptStoreTests.campaign(db, contacts: count)
        var ids: [UUID] = []
        for (index, contact) in contacts.enumerated() {
            let sid = "CA\(String(format: "%032d", index))"
            ids.append(
                try await db.scalar(
                    """
                    INSERT INTO dialer.call_attempts (contact_id, campaign_id, attempt_number, state, to_e164, from_e164, call_sid, created_at)
                    VALUES (\(contact), \(campaign), 1, 'placed', \("+1415555\(String(format: "%04d", index))"), '+14155550100', \(sid),
                            timestamptz '2026-12-01 12:00:00+00' + \(index) * interval '1 second')
                    RETURNING id
                    """,
                    as: UUID.self
                )
            )
        }
        try await db.execute(
            """
            INSERT INTO dialer.calls (call_sid, attempt_id, status, answered_by, duration_seconds, answered_at, ended_at)
            VALUES ('CA00000000000000000000000000000000', \(ids[0]), 'completed', 'human', 42, now(), now())
            """
        )
        try await db.execute(
            """
            INSERT INTO dialer.transcript_entries (call_sid, seq, attempt_id, speaker, text, start_ms, end_ms)
            VALUES ('CA00000000000000000000000000000000', 0, \(ids[0]), 'agent', 'Hello, this is an automated call.', 0, 1800),
                   ('CA00000000000000000000000000000000', 1, \(ids[0]), 'callee', 'Yes, go on.', 2100, 2900)
            """
        )
        try await db.execute(
            """
            INSERT INTO dialer.task_syncs (call_sid, attempt_id, campaign_id, state, salesforce_task_id, synced_at)
            VALUES ('CA00000000000000000000000000000000', \(ids[0]), \(campaign), 'synced', '00TSB0000000001AAA', now())
            """
        )
        return ids
    }

    @Test func oneCallByEitherIdCarriesItsOutcomeTranscriptAndTask() async throws {
        try await TestDatabase.withFresh { db, _ in
            let ids = try await Self.calls(db, count: 2)
            let store = CallRecordStore(database: db)
            let call = try #require(try await store.call(id: ids[0], revealPhones: false))
            #expect(call.callSID == "CA00000000000000000000000000000000" && call.campaign == "c" && call.contactID == "003SB0000000010AAA")
            #expect(call.state == "completed" && call.outcome == "Answered" && call.durationSeconds == 42 && call.answeredBy == "human")
            #expect(call.to == "…0000" && call.from == "+14155550100")
            #expect(call.taskSync == .init(state: "synced", salesforceTaskID: "00TSB0000000001AAA", lastError: nil))
            #expect(call.transcript.map(\.speaker) == ["agent", "callee"] && call.transcript[1].text == "Yes, go on.")

            #expect(try await store.call(callSID: "CA00000000000000000000000000000000", revealPhones: true)?.to == "+14155550000")
            let unanswered = try #require(try await store.call(id: ids[1], revealPhones: false))
            #expect(
                unanswered.state == "placed" && unanswered.outcome == "In Progress" && unanswered.taskSync == nil && unanswered.transcript.isEmpty
            )
            #expect(try await store.call(id: UUID(), revealPhones: false) == nil)
        }
    }

    @Test func pagesWalkEveryCallOnceNewestFirstAndFilter() async throws {
        try await TestDatabase.withFresh { db, _ in
            let ids = try await Self.calls(db, count: 7)
            let store = CallRecordStore(database: db)
            var seen: [UUID] = []
            var cursor: CallListCursor?
            var pages = 0
            repeat {
                let page = try await store.calls(CallListFilter(campaign: "c", limit: 3, cursor: cursor), revealPhones: false)
                seen += page.calls.map(\.id)
                cursor = page.next
                pages += 1
                // The cursor survives the round trip through its token.
                if let next = page.next { #expect(CallListCursor(token: next.token) == next) }
            } while cursor != nil
            #expect(pages == 3 && seen == ids.reversed())

            #expect(try await store.calls(CallListFilter(state: "completed"), revealPhones: false).calls.map(\.id) == [ids[0]])
            #expect(try await store.calls(CallListFilter(campaign: "other"), revealPhones: false).calls.isEmpty)
            let since = Date(timeIntervalSince1970: 1_796_126_400 + 5)  // 2026-12-01 12:00:05 UTC
            #expect(try await store.calls(CallListFilter(since: since), revealPhones: false).calls.map(\.id) == [ids[6], ids[5]])
            #expect(CallListCursor(token: "not a cursor") == nil && CallListCursor(token: String(repeating: "A", count: 500)) == nil)
        }
    }
}
