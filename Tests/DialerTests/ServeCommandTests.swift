import AsyncHTTPClient
import Foundation
import NIOCore
import Store
import TestSupport
import Testing
import Twilio

/// `dialer serve` as an operator runs it.
@Suite struct ServeCommandTests {
    @Test func servesHealthAndSignedStatusCallbacksAndStopsOnSigterm() async throws {
        try await TestDatabase.withFresh { db, url in
            let port = try LoopbackPort.unused()
            let adminPort = try LoopbackPort.unused()
            let publicURL = "https://dialer.example.com"
            let serve = ChildProcess(
                Products.path("dialer"),
                arguments: ["serve", "--port", "\(port)", "--admin-port", "\(adminPort)", "--public-url", publicURL],
                environment: ["DATABASE_URL": url.connectionString, "TWILIO_AUTH_TOKEN": "serve-test-token"]
            )
            try serve.start()
            defer { serve.signal(SIGKILL) }
            let base = "http://127.0.0.1:\(port)"
            let up = try await eventually(timeout: .seconds(20)) {
                let response = try? await HTTPClient.shared.execute(HTTPClientRequest(url: base + "/readyz"), timeout: .seconds(2))
                return response?.status == .ok
            }
            #expect(up, "\(serve.text)")

            func post(_ parameters: [(String, String)], token: String, path: String = "/twilio/status") async throws -> UInt {
                var request = HTTPClientRequest(url: base + path)
                request.method = .POST
                request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
                let signature = TwilioSignature(authToken: token).signature(url: publicURL + path, parameters: parameters)
                request.headers.add(name: "X-Twilio-Signature", value: signature)
                request.body = .bytes(ByteBuffer(string: FormEncoding.encode(parameters)))
                return try await HTTPClient.shared.execute(request, timeout: .seconds(5)).status.code
            }
            let callback = [("CallSid", "CA1"), ("CallStatus", "ringing"), ("SequenceNumber", "1"), ("To", "+14155550123"), ("From", "+14155550100")]
            let forged = try await post(callback, token: "not-the-token")
            #expect(forged == 403)
            // Signed, for a call no attempt knows: kept as an orphan, answered so Twilio stops.
            let signed = try await post(callback, token: "serve-test-token")
            #expect(signed == 204)
            #expect(try await db.scalar("SELECT count(*)::int FROM dialer.call_events WHERE orphan", as: Int.self) == 1)
            let voice = try await post(
                [("CallSid", "CA1"), ("CallStatus", "in-progress")],
                token: "serve-test-token",
                path: "/twilio/voice?attempt=\(UUID())"
            )
            #expect(voice == 200)  // a polite <Hangup/> for an attempt it does not know

            // /metrics is on the admin listener, and only there.
            let scraped = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(adminPort)/metrics"), timeout: .seconds(5))
            let metrics = String(buffer: try await scraped.body.collect(upTo: 1 << 20))
            #expect(scraped.status == .ok)
            #expect(metrics.contains(#"dialer_http_requests_total{route="/twilio/status",status="204"} 1"#), "\(metrics)")
            let onThePublicPort = try await HTTPClient.shared.execute(HTTPClientRequest(url: base + "/metrics"), timeout: .seconds(5))
            #expect(onThePublicPort.status == .notFound)

            serve.signal(SIGTERM)
            #expect(await serve.wait(timeout: .seconds(15)) == 0, "\(serve.text)")
            #expect(!serve.text.contains("+1415"), "a phone number reached the log")
        }
    }

    @Test func refusesToStartWithoutThePublicURLOrTheAuthToken() async throws {
        try await TestDatabase.withFresh { _, url in
            let (status, output) = try await CampaignCommandTests.dialer(url, ["serve", "--port", "9"], environment: ["TWILIO_AUTH_TOKEN": "t"])
            #expect(status != 0 && output.contains("--public-url"), "\(output)")
            let (noToken, tokenOutput) = try await CampaignCommandTests.dialer(
                url,
                ["serve", "--port", "9", "--public-url", "https://dialer.example.com"],
                environment: ["TWILIO_AUTH_TOKEN": ""]
            )
            #expect(noToken != 0 && tokenOutput.contains("TWILIO_AUTH_TOKEN"), "\(tokenOutput)")
            // A request answered 503 the moment it arrives is no service.
            let (noTime, timeOutput) = try await CampaignCommandTests.dialer(
                url,
                ["serve", "--port", "9", "--public-url", "https://dialer.example.com", "--answer-timeout", "0"],
                environment: ["TWILIO_AUTH_TOKEN": "t"]
            )
            #expect(noTime != 0 && timeOutput.contains("--answer-timeout must be more than 0 seconds"), "\(timeOutput)")
        }
    }

    /// A cloud adapter chosen without its credentials stops the service at start, naming the
    /// setting it lacks; an unknown choice lists the allowed ones.
    @Test(arguments: [
        (["DIALER_AGENT": "openai"], "DIALER_OPENAI_MODEL"),
        (["DIALER_STT": "google"], "GOOGLE_APPLICATION_CREDENTIALS"),
        (["DIALER_TTS": "google"], "GOOGLE_APPLICATION_CREDENTIALS"),
        (["DIALER_TTS": "festival"], "espeak"),
    ])
    func refusesACloudVoiceWithoutItsSettings(environment: [String: String], named setting: String) async throws {
        try await TestDatabase.withFresh { _, url in
            let (status, output) = try await CampaignCommandTests.dialer(
                url,
                ["serve", "--port", "9", "--public-url", "https://dialer.example.com"],
                environment: environment.merging(["TWILIO_AUTH_TOKEN": "t"]) { a, _ in a }
            )
            #expect(status != 0 && output.contains(setting), "\(output)")
        }
    }
}
