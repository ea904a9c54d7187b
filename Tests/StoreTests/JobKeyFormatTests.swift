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
}
