import Foundation
import HTTPTypes
import Store
import TestSupport
import Testing

@Suite struct CampaignAPITests {
    static let body = #"{"name":"ca-renewals","where":"MailingState = 'CA'","from":"+14155550100","window":"09:00-20:00","maxAttempts":2}"#

    @Test func aCampaignIsCreatedWithItsImportAndRefusedAsTheCLIRefusesIt() async throws {
        try await APIHarness.run { api in
            let created = try await api.send(.post, "/v1/campaigns", key: api.admin, json: Self.body)
            #expect(created.status == .created, "\(created.text)")
            #expect(
                created.json["status"] as? String == "importing" && (created.json["soql"] as? String)?.contains("WHERE MailingState = 'CA'") == true
            )
            #expect(try await api.db.scalar("SELECT max_attempts FROM dialer.campaigns WHERE name = 'ca-renewals'", as: Int.self) == 2)
            #expect(try await api.db.scalar("SELECT count(*)::int FROM dialer.jobs WHERE kind = 'import_campaign'", as: Int.self) == 1)

            let refusals: [(String, String)] = [
                (#"{"name":"a","where":"MailingState = 'CA' LIMIT 1","from":"+14155550100"}"#, "/where"),
                (#"{"name":"a","soql":"SELECT Id FROM Account","from":"+14155550100"}"#, "/soql"),
                (#"{"name":"a","where":"A = 1","soql":"SELECT Id FROM Contact","from":"+14155550100"}"#, "/where"),
                (#"{"name":"a","where":"A = 1","from":"4155550100"}"#, "/from"),
                (#"{"name":"a","where":"A = 1","from":"+14155550100","window":"21:00-08:00"}"#, "/window"),
                (#"{"name":"a b","where":"A = 1","from":"+14155550100"}"#, "/name"),
                (#"{"name":"a","where":"A = 1","from":"+14155550100","agentScript":"not json"}"#, "/agentScript"),
                (#"{"name":"a","where":"A = 1","from":"+14155550100","voicemailPolicy":"sing"}"#, "/voicemailPolicy"),
                (#"{"name":"a","where":"A = 1","from":"+14155550100","transferNumber":"555 0199"}"#, "/transferNumber"),
                (#"{"name":"a","where":"A = 1","from":"+14155550100","transferHours":"09:00-17:00"}"#, "/transferNumber"),
                (
                    #"{"name":"a","where":"A = 1","from":"+14155550100","transferNumber":"+14155550199","transferHours":"17:00-09:00"}"#,
                    "/transferHours"
                ),
                (
                    #"{"name":"a","where":"A = 1","from":"+14155550100","transferNumber":"+14155550199","transferTimeZone":"Mars/Olympus"}"#,
                    "/transferTimeZone"
                ),
            ]
            for (body, field) in refusals {
                let answer = try await api.send(.post, "/v1/campaigns", key: api.admin, json: body)
                #expect(answer.status == .badRequest && answer.problemFields == [field], "\(body): \(answer.text)")
            }
            let taken = try await api.send(.post, "/v1/campaigns", key: api.admin, json: Self.body)
            #expect(taken.status == .conflict)
            #expect(try await api.count("dialer.campaigns") == 1)
            #expect(try await api.count("dialer.jobs") == 1)
        }
    }

    /// What `dialer campaign create --voicemail --transfer-to --transfer-hours --transfer-time-zone`
    /// sets, the API sets.
    @Test func aCampaignLeavesMessagesAndPutsCalleesThroughAsTheCLIs() async throws {
        try await APIHarness.run { api in
            let body = """
                {"name":"handed","where":"A = 1","from":"+14155550100","voicemailPolicy":"leave_message",
                 "transferNumber":"+14155550199","transferHours":"08:30-18:00","transferTimeZone":"America/Chicago"}
                """
            let created = try await api.send(.post, "/v1/campaigns", key: api.admin, json: body)
            #expect(created.status == .created, "\(created.text)")
            let row = try await api.db.scalar(
                """
                SELECT concat_ws(' ', voicemail_policy, transfer_number, transfer_hours_start::text, transfer_hours_end::text, transfer_time_zone)
                FROM dialer.campaigns WHERE name = 'handed'
                """,
                as: String.self
            )
            #expect(row == "leave_message +14155550199 08:30:00 18:00:00 America/Chicago")
        }
    }

    @Test func anIdempotencyKeyReplaysTheFirstAnswerAndRefusesAnotherBody() async throws {
        try await APIHarness.run { api in
            let headers: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "create-ca-1"]
            let first = try await api.send(.post, "/v1/campaigns", key: api.admin, json: Self.body, headers: headers)
            // The same request again, its fields in another order: the first answer, no second campaign.
            let reordered = #"{"maxAttempts":2,"from":"+14155550100","where":"MailingState = 'CA'","window":"09:00-20:00","name":"ca-renewals"}"#
            let again = try await api.send(.post, "/v1/campaigns", key: api.admin, json: reordered, headers: headers)
            #expect(first.status == .created && again.status == .created && again.json["name"] as? String == "ca-renewals")
            #expect(again.json["createdAt"] as? String == first.json["createdAt"] as? String)
            let other = try await api.send(
                .post,
                "/v1/campaigns",
                key: api.admin,
                json: #"{"name":"other","where":"A = 1","from":"+14155550100"}"#,
                headers: headers
            )
            #expect(other.status == .conflict && other.problemFields == ["Idempotency-Key"])
            #expect(try await api.count("dialer.campaigns") == 1)
            #expect(try await api.count("dialer.jobs") == 1)
        }
    }

    @Test func campaignsAreListedShownPausedResumedAndCancelled() async throws {
        try await APIHarness.run { api in
            _ = try await api.send(.post, "/v1/campaigns", key: api.admin, json: Self.body)
            let list = try await api.send(.get, "/v1/campaigns", key: api.reader)
            #expect((list.json["campaigns"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["ca-renewals"], "\(list.text)")
            let one = try await api.send(.get, "/v1/campaigns/ca-renewals", key: api.reader)
            #expect((one.json["progress"] as? [String: Any])?["contacts"] as? Int == 0)
            #expect(try await api.send(.get, "/v1/campaigns/nope", key: api.reader).status == .notFound)

            let paused = try await api.send(.post, "/v1/campaigns/ca-renewals/pause", key: api.admin)
            #expect(paused.status == .ok && paused.json["status"] as? String == "paused", "\(paused.text)")
            #expect(try await api.db.scalar("SELECT status FROM dialer.campaigns", as: String.self) == "paused")
            // Resuming while the import job is still open goes back to importing.
            let resumed = try await api.send(.post, "/v1/campaigns/ca-renewals/resume", key: api.admin)
            #expect(resumed.status == .ok && resumed.json["status"] as? String == "importing")
            #expect(try await api.send(.post, "/v1/campaigns/ca-renewals/pause", key: api.reader).status == .forbidden)
            let cancelled = try await api.send(.post, "/v1/campaigns/ca-renewals/cancel", key: api.admin)
            #expect(cancelled.json["status"] as? String == "cancelled")
            #expect(try await api.db.scalar("SELECT state FROM dialer.jobs", as: String.self) == "cancelled")
            let late = try await api.send(.post, "/v1/campaigns/ca-renewals/pause", key: api.admin)
            #expect(late.status == .conflict && late.headers[.contentType] == "application/problem+json")
            #expect(try await api.send(.post, "/v1/campaigns/nope/pause", key: api.admin).status == .notFound)
        }
    }
}
