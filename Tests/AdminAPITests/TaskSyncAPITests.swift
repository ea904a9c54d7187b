import Foundation
import Store
import TestSupport
import Testing

@Suite struct TaskSyncAPITests {
    @Test func failedSyncsAreListedAndRetriedAsTheCLIRetriesThem() async throws {
        try await APIHarness.run { api in
            let ids = try await CallAPITests.seed(api.db)
            try await api.db.execute(
                """
                INSERT INTO dialer.task_syncs (call_sid, attempt_id, campaign_id, state, attempts, last_error, last_error_code)
                SELECT call_sid, id, campaign_id, 'failed', 3, 'Subject: data value too large', 'STRING_TOO_LONG'
                FROM dialer.call_attempts WHERE id = \(ids[1])
                """
            )
            let failed = try await api.send(.get, "/v1/task-syncs?state=failed", key: api.reader)
            let syncs = try #require(failed.json["taskSyncs"] as? [[String: Any]], "\(failed.text)")
            #expect(syncs.count == 1 && syncs[0]["errorCode"] as? String == "STRING_TOO_LONG" && syncs[0]["campaign"] as? String == "c")
            #expect(try await api.send(.get, "/v1/task-syncs?state=lost", key: api.reader).status == .badRequest)
            // A call to a number alone has no Contact: its failed sync says so by leaving contactId out.
            try await api.db.execute(
                """
                WITH request AS (
                    INSERT INTO dialer.call_requests (campaign_id, to_e164) SELECT campaign_id, to_e164 FROM dialer.call_attempts WHERE id = \(ids[1])
                    RETURNING id
                )
                UPDATE dialer.contacts SET salesforce_id = NULL, request_id = (SELECT id FROM request)
                WHERE id = (SELECT contact_id FROM dialer.call_attempts WHERE id = \(ids[1]))
                """
            )
            let anonymous = try await api.send(.get, "/v1/task-syncs", key: api.reader)
            #expect((anonymous.json["taskSyncs"] as? [[String: Any]])?.first.map { $0["contactId"] == nil } == true, "\(anonymous.text)")

            // Retrying takes tasks:write, and a selection.
            #expect(try await api.send(.post, "/v1/task-syncs/retry", key: api.reader, json: #"{"campaign":"c"}"#).status == .forbidden)
            let unselected = try await api.send(.post, "/v1/task-syncs/retry", key: api.admin, json: "{}")
            #expect(unselected.status == .badRequest && unselected.problemFields == ["/allFailed"])
            let unknown = try await api.send(.post, "/v1/task-syncs/retry", key: api.admin, json: #"{"campaign":"nope"}"#)
            #expect(unknown.status == .badRequest && unknown.problemFields == ["/campaign"])
            let retried = try await api.send(.post, "/v1/task-syncs/retry", key: api.admin, json: #"{"campaign":"c"}"#)
            #expect(retried.status == .ok && retried.json["requeued"] as? Int == 1, "\(retried.text)")
            #expect(try await api.db.scalar("SELECT state FROM dialer.task_syncs", as: String.self) == "pending")
            #expect(try await api.db.scalar("SELECT count(*)::int FROM dialer.jobs WHERE kind = 'finalize_call'", as: Int.self) == 1)
        }
    }
}
