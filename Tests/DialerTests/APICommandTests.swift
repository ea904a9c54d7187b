import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Store
import TestSupport
import Testing

/// `dialer api-key` and the API on `dialer serve`'s admin listener, as an operator runs them.
@Suite struct APICommandTests {
    @Test func aKeyFromTheCLIOpensTheAPIOnTheAdminListenerOnlyUntilItIsRevoked() async throws {
        try await TestDatabase.withFresh { db, url in
            let (status, output) = try await CampaignCommandTests.dialer(
                url,
                ["api-key", "create", "--name", "crm", "--scope", "read", "--scope", "campaigns:write"]
            )
            let token = try #require(output.split(separator: "\n").first { $0.hasPrefix("dk_") }.map(String.init), "\(output)")
            #expect(status == 0 && output.contains("shown only this once"))
            let (_, listed) = try await CampaignCommandTests.dialer(url, ["api-key", "list"])
            #expect(listed.contains("crm") && listed.contains("campaigns:write,read") == false && listed.contains("read,campaigns:write"))
            #expect(!listed.contains(token), "the list shows the key itself")
            let (refused, refusal) = try await CampaignCommandTests.dialer(url, ["api-key", "create", "--name", "x", "--scope", "admin"])
            #expect(refused != 0 && refusal.contains("unknown scope admin"), "\(refusal)")

            let port = try LoopbackPort.unused()
            let adminPort = try LoopbackPort.unused()
            let serve = ChildProcess(
                Products.path("dialer"),
                arguments: ["serve", "--port", "\(port)", "--admin-port", "\(adminPort)", "--public-url", "https://dialer.example.com"],
                environment: ["DATABASE_URL": url.connectionString, "TWILIO_AUTH_TOKEN": "serve-test-token"]
            )
            try serve.start()
            defer { serve.signal(SIGKILL) }
            let admin = "http://127.0.0.1:\(adminPort)"
            let up = try await eventually(timeout: .seconds(20)) {
                let response = try? await HTTPClient.shared.execute(HTTPClientRequest(url: admin + "/healthz"), timeout: .seconds(2))
                return response?.status == .ok
            }
            #expect(up, "\(serve.text)")

            func send(_ method: HTTPMethod, _ path: String, base: String? = nil, key: String?, body: String? = nil) async throws -> (UInt, String) {
                var request = HTTPClientRequest(url: (base ?? admin) + path)
                request.method = method
                if let key { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
                if let body {
                    request.headers.add(name: "Content-Type", value: "application/json")
                    request.body = .bytes(ByteBuffer(string: body))
                }
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
                return (response.status.code, String(buffer: try await response.body.collect(upTo: 1 << 20)))
            }
            let created = try await send(
                .POST,
                "/v1/campaigns",
                key: token,
                body: #"{"name":"ca-renewals","where":"MailingState = 'CA'","from":"+14155550100"}"#
            )
            #expect(created.0 == 201, "\(created.1)")
            #expect(try await db.scalar("SELECT count(*)::int FROM dialer.campaigns", as: Int.self) == 1)
            #expect(try await send(.GET, "/v1/campaigns/ca-renewals", key: token).0 == 200)
            #expect(try await send(.GET, "/v1/openapi.json", key: nil).1.contains("\"openapi\""))
            // The API is not on the public port, which the internet reaches.
            #expect(try await send(.GET, "/v1/campaigns", base: "http://127.0.0.1:\(port)", key: token).0 == 404)

            let (revoked, _) = try await CampaignCommandTests.dialer(url, ["api-key", "revoke", "crm"])
            #expect(revoked == 0)
            // Refused within the API's key cache's second.
            #expect(try await eventually { try await send(.GET, "/v1/campaigns", key: token).0 == 401 })
            serve.signal(SIGTERM)
            #expect(await serve.wait(timeout: .seconds(15)) == 0, "\(serve.text)")
            #expect(!serve.text.contains(token) && !serve.text.contains(String(token.dropFirst(3))), "the key reached the log")
        }
    }
}
