import Foundation
import PostgresNIO
import Queue
import Store
import TestSupport
import Testing

/// The unique-key formats of the kinds SQL enqueues are SQL functions; the job types carry the
/// same keys for the enqueues Swift makes, and the end of a call joins the job Swift enqueued.
@Suite struct JobKeyFormatTests {
    @Test func theJobTypesKeysAreTheOnesSQLMakes() async throws {
        try await TestDatabase.withFresh { db, _ in
            func sql(_ query: PostgresQuery) async throws -> String? { try await db.scalar(query, as: String.self) }
            let firstCall = try await sql("SELECT dialer.place_call_key(42)")
            let retry = try await sql("SELECT dialer.place_call_key(42, 3)")
            let finalize = try await sql("SELECT dialer.finalize_key('CA9')")
            let importKey = try await sql("SELECT dialer.import_key(9)")
            #expect(firstCall == PlaceCallArgs(contactID: 42).uniqueKey)
            #expect(retry == PlaceCallArgs.uniqueKey(contactID: 42, callNumber: 3))
            #expect(finalize == FinalizeCallArgs(callSID: "CA9").uniqueKey)
            #expect(importKey == ImportCampaignArgs(campaignID: 9).uniqueKey)
            let attempt = UUID(uuidString: "6F9619FF-8B86-D011-B42D-00C04FC964FF")!
            let callback = try await sql("SELECT dialer.callback_key(\(attempt))")
            #expect(callback == PlaceCallArgs(contactID: 42, callbackFor: attempt).uniqueKey)
            #expect(callback == "place_call:callback:6f9619ff-8b86-d011-b42d-00c04fc964ff")
            // The formats themselves: open jobs in running databases carry them.
            #expect(PlaceCallArgs(contactID: 42).uniqueKey == "place_call:42")
            #expect(PlaceCallArgs.uniqueKey(contactID: 42, callNumber: 3) == "place_call:42:3")
            #expect(FinalizeCallArgs(callSID: "CA9").uniqueKey == "finalize:CA9")
            #expect(ImportCampaignArgs(campaignID: 9).uniqueKey == "import:9")
            #expect(ReconcileCallsArgs().uniqueKey == "reconcile_calls" && CompleteCampaignsArgs().uniqueKey == "complete_campaigns")
        }
    }

    @Test func theEndOfACallJoinsTheFinalizeJobSwiftEnqueued() async throws {
        try await TestDatabase.withFresh { db, _ in
            let enqueued = try await JobQueue(database: db).enqueue(FinalizeCallArgs(callSID: "CA1"))
            try await db.execute(
                """
                SELECT dialer.end_calls(ARRAY[1]::bigint[], ARRAY[NULL]::bigint[], ARRAY['CA1'], ARRAY[dialer.place_call_key(1, 2)],
                                        ARRAY[-1]::float8[], ARRAY['answered'], 'place_call', 'finalize_call', 0)
                """
            )
            #expect(try await db.scalar("SELECT count(*)::int FROM dialer.jobs WHERE dialer.job_is_open(state)", as: Int.self) == 1)
            #expect(try await db.scalar("SELECT id FROM dialer.jobs WHERE unique_key = 'finalize:CA1'", as: Int64.self) == enqueued.id)
        }
    }

    @Test func theEventJobsSQLEnqueuesCarryTheSwiftTypesKindsKeysAndAttempts() async throws {
        try await TestDatabase.withFresh { db, _ in
            func sql(_ query: PostgresQuery) async throws -> String? { try await db.scalar(query, as: String.self) }
            #expect(try await sql("SELECT dialer.webhook_delivery_key('msg_1', 7)") == DeliverWebhookArgs(eventID: "msg_1", endpointID: 7).uniqueKey)
            #expect(try await sql("SELECT dialer.call_ended_key('CA9')") == PublishCallEndedArgs(callSID: "CA9").uniqueKey)
            #expect(DeliverWebhookArgs(eventID: "msg_1", endpointID: 7).uniqueKey == "webhook:msg_1:7")
            #expect(PublishCallEndedArgs(callSID: "CA9").uniqueKey == "call_ended:CA9")
            // The jobs the end of a call and a publish enqueue decode as the Swift types, which
            // then make the same keys, and have their kinds and attempts.
            _ = try await WebhookEndpointStore(database: db).add(name: "crm", url: "https://crm.example.com", events: ["call.ended"])
            try await db.execute(
                """
                SELECT dialer.end_calls(ARRAY[1]::bigint[], ARRAY[NULL]::bigint[], ARRAY['CA1'], ARRAY[dialer.place_call_key(1, 2)],
                                        ARRAY[-1]::float8[], ARRAY['answered'], 'place_call', 'finalize_call', 0)
                """
            )
            try await WebhookEventStore(database: db).publish(type: .callEnded, subject: "call.ended:CA1", payloadJSON: "{}")
            let rows = try await db.rows(
                "SELECT kind, args::text, unique_key, max_attempts FROM dialer.jobs WHERE kind <> 'finalize_call' ORDER BY id",
                as: (String, String, String, Int).self
            )
            #expect(rows.map(\.0) == [PublishCallEndedArgs.kind, DeliverWebhookArgs.kind])
            let publish = try JSONDecoder().decode(PublishCallEndedArgs.self, from: Data(rows[0].1.utf8))
            let deliver = try JSONDecoder().decode(DeliverWebhookArgs.self, from: Data(rows[1].1.utf8))
            #expect(publish.uniqueKey == rows[0].2 && deliver.uniqueKey == rows[1].2)
            #expect(rows[1].3 == DeliverWebhookArgs.options.maxAttempts)
        }
    }
}
