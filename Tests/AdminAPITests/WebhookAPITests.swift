import Foundation
import HTTPTypes
import Store
import TestSupport
import Testing

@Suite struct WebhookAPITests {
    static let body = #"{"name":"crm","url":"https://crm.example.com/hooks","events":["call.ended","campaign.completed"]}"#

    @Test func anEndpointIsAddedWithItsSecretOnceListedWithoutItAndRemoved() async throws {
        try await APIHarness.run { api in
            #expect(try await api.send(.post, "/v1/webhooks", key: api.reader, json: Self.body).status == .forbidden)
            let headers: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "hook-1"]
            let created = try await api.send(.post, "/v1/webhooks", key: api.admin, json: Self.body, headers: headers)
            #expect(created.status == .created, "\(created.text)")
            let secret = try #require(created.json["secret"] as? String)
            #expect(secret.hasPrefix("whsec_") && (created.json["webhook"] as? [String: Any])?["name"] as? String == "crm")
            // A retry under the key gets the same answer and the same secret; nothing is added twice.
            let again = try await api.send(.post, "/v1/webhooks", key: api.admin, json: Self.body, headers: headers)
            #expect(again.status == .created && again.json["secret"] as? String == secret)
            #expect(try await api.count("dialer.webhook_endpoints") == 1)

            let listed = try await api.send(.get, "/v1/webhooks", key: api.reader)
            #expect((listed.json["webhooks"] as? [[String: Any]])?.first?["events"] as? [String] == ["call.ended", "campaign.completed"])
            #expect(!listed.text.contains(secret))

            let taken = try await api.send(.post, "/v1/webhooks", key: api.admin, json: Self.body)
            #expect(taken.status == .conflict)
            let refusals = [
                (#"{"name":"b","url":"ftp://x.example.com","events":["call.ended"]}"#, "/url"),
                (#"{"name":"b","url":"https://x.example.com","events":["call.started"]}"#, "/events/0"),
                (#"{"name":"b","url":"https://x.example.com","events":[]}"#, "/events"),
            ]
            for (body, field) in refusals {
                let answer = try await api.send(.post, "/v1/webhooks", key: api.admin, json: body)
                #expect(
                    answer.status == .badRequest
                        && answer.problemFields.first?.hasPrefix(field.split(separator: "/").first.map { "/\($0)" } ?? field) == true,
                    "\(body): \(answer.text)"
                )
            }
            #expect(try await api.count("dialer.webhook_endpoints") == 1)

            #expect(try await api.send(.post, "/v1/webhooks/retry", key: api.admin, json: #"{"endpoint":"nope"}"#).status == .notFound)
            let retried = try await api.send(.post, "/v1/webhooks/retry", key: api.admin, json: #"{"endpoint":"crm"}"#)
            #expect(retried.status == .ok && retried.json["requeued"] as? Int == 0)
            #expect(try await api.send(.delete, "/v1/webhooks/crm", key: api.admin).status == .noContent)
            #expect(try await api.send(.delete, "/v1/webhooks/crm", key: api.admin).status == .notFound)
            #expect(try await api.count("dialer.webhook_endpoints") == 0)
        }
    }
}
