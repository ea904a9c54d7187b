import Foundation
import HTTPTypes
import Store
import TestSupport
import Testing

@testable import AdminAPI

@Suite struct APIAccessTests {
    @Test func aMissingUnknownOrRevokedKeyIs401AndAMissingScope403() async throws {
        try await APIHarness.run { api in
            for key in [nil, "dk_" + String(repeating: "A", count: 43), "not-a-key"] {
                let answer = try await api.send(.get, "/v1/campaigns", key: key)
                #expect(answer.status == .unauthorized && answer.headers[.contentType] == "application/problem+json")
                #expect(answer.headers[.wwwAuthenticate] == #"Bearer realm="dialer""# && answer.json["status"] as? Int == 401)
            }
            #expect(try await api.send(.get, "/v1/campaigns", key: api.reader).status == .ok)
            // A read key may not write: 403 naming the scope, and nothing written.
            let refused = try await api.send(
                .post,
                "/v1/campaigns",
                key: api.reader,
                json: #"{"name":"x","where":"MailingState = 'CA'","from":"+14155550100"}"#
            )
            #expect(refused.status == .forbidden && (refused.json["detail"] as? String)?.contains("campaigns:write") == true)
            #expect(try await api.count("dialer.campaigns") == 0)

            // Revoked by another process (the CLI): refused once the key cache's second is over.
            // (APIKeyCacheTests holds the cache to its lifetime.)
            try await APIKeyStore(database: api.db).revoke(name: "reader")
            #expect(try await eventually { try await api.send(.get, "/v1/campaigns", key: api.reader).status == .unauthorized })
            // The seed's routes take the same keys.
            #expect(try await api.send(.get, "/twilio/call/CA00000000000000000000000000000000/status", key: nil).status == .unauthorized)
        }
    }

    @Test func theDocumentIsServedWithoutAKeyAndNamesEveryOperationsScope() async throws {
        try await APIHarness.run { api in
            let answer = try await api.send(.get, "/v1/openapi.json", key: nil)
            #expect(answer.status == .ok && answer.json["openapi"] as? String == "3.1.0")
            let paths = try #require(answer.json["paths"] as? [String: Any])
            #expect(paths.keys.contains("/v1/calls") && paths.keys.contains("/twilio/outbound/call"))
        }
        let scopes = OperationScopes.fromDocument.all
        // Every operation needs a scope but the document itself; writes need their write scope.
        #expect(scopes.filter { $0.value == nil }.keys.sorted() == ["getOpenAPIDocument"])
        #expect(scopes["createCall"] == .callsWrite && scopes["seedStartCall"] == .callsWrite && scopes["pauseCampaign"] == .campaignsWrite)
        #expect(scopes["retryTaskSyncs"] == .tasksWrite && scopes["createWebhook"] == .webhooksWrite && scopes["listCalls"] == .read)
    }

    @Test func bodiesOver64KiBAre413AndUnknownOrMistypedFields400NamingThem() async throws {
        try await APIHarness.run { api in
            let big =
                #"{"name":"x","where":"MailingState = 'CA'","from":"+14155550100","disclosure":""#
                + String(repeating: "a", count: 70_000) + #""}"#
            let tooLarge = try await api.send(.post, "/v1/campaigns", key: api.admin, json: big)
            #expect(tooLarge.status == .contentTooLarge && tooLarge.headers[.contentType] == "application/problem+json")

            let unknown = try await api.send(
                .post,
                "/v1/campaigns",
                key: api.admin,
                json: #"{"name":"x","where":"MailingState = 'CA'","from":"+14155550100","colour":"red"}"#
            )
            #expect(unknown.status == .badRequest && unknown.text.contains("colour"), "\(unknown.text)")

            let mistyped = try await api.send(
                .post,
                "/v1/campaigns",
                key: api.admin,
                json: #"{"name":"x","where":"MailingState = 'CA'","from":"+14155550100","maxAttempts":"three"}"#
            )
            #expect(mistyped.status == .badRequest && mistyped.problemFields == ["/maxAttempts"], "\(mistyped.text)")

            let missing = try await api.send(.post, "/v1/campaigns", key: api.admin, json: #"{"where":"MailingState = 'CA'"}"#)
            #expect(missing.status == .badRequest && missing.problemFields.count == 1, "\(missing.text)")

            for garbage in ["", "{", "[1,2]", "null", "\u{0}\u{1}"] {
                let answer = try await api.send(.post, "/v1/campaigns", key: api.admin, json: garbage)
                #expect(answer.status == .badRequest, "\(garbage): \(answer.status) \(answer.text)")
            }
            let badLimit = try await api.send(.get, "/v1/calls?limit=abc", key: api.reader)
            #expect(badLimit.status == .badRequest, "\(badLimit.text)")
            #expect(try await api.count("dialer.campaigns") == 0)
            #expect(try await api.count("dialer.jobs") == 0)
        }
    }
}
