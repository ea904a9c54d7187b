import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Sandbox
import TestSupport
import Testing
import Twilio

/// The Sandbox Twilio answers as Twilio's OpenAPI description (twilio-oai,
/// `twilio_api_v2010.json`) says Twilio answers: the list envelope and its paging, the call's
/// fields, the date filters, the error codes. A client tested against it is tested against
/// Twilio's shapes, not the Sandbox's.
@Suite struct SandboxTwilioAPITests {
    /// The JSON object `path` answers, read with the account's Basic auth.
    static func get(_ configuration: TwilioConfiguration, _ path: String) async throws -> [String: Any] {
        var request = HTTPClientRequest(url: configuration.baseURL + path)
        let credentials = Data("\(configuration.username):\(configuration.secret)".utf8).base64EncodedString()
        request.headers.add(name: "Authorization", value: "Basic \(credentials)")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
        let body = try await response.body.collect(upTo: 1 << 20)
        #expect(response.status.code == 200, "\(String(buffer: body))")
        return try #require(try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any])
    }

    static func client(_ configuration: TwilioConfiguration) -> TwilioClient {
        TwilioClient(configuration: configuration, logger: TestDatabase.testLogger)
    }

    static func request(to: String, from: String = "+14155550100") -> CallRequest {
        CallRequest(to: to, from: from, url: "https://dialer.example.com/twilio/voice", statusCallback: "https://dialer.example.com/twilio/status")
    }

    @Test func theCallsListIsPagedWithTwiliosEnvelopeAndPageSizeIsHonoured() async throws {
        try await withSandboxTwilio(configure: { $0.simulatesCalls = false }) { sandbox, configuration in
            let client = Self.client(configuration)
            var created: [String] = []
            for _ in 0..<3 { created.append(try await client.createCall(Self.request(to: "+14155550123")).sid) }
            _ = try await client.createCall(Self.request(to: "+14155550999"))

            let calls = "/2010-04-01/Accounts/\(configuration.accountSID)/Calls.json"
            let first = try await Self.get(configuration, calls + "?To=%2B14155550123&PageSize=2")
            #expect(
                Set(first.keys) == [
                    "calls", "end", "first_page_uri", "next_page_uri", "page", "page_size", "previous_page_uri", "start", "uri",
                ]
            )
            #expect(first["page"] as? Int == 0 && first["page_size"] as? Int == 2 && first["start"] as? Int == 0 && first["end"] as? Int == 1)
            #expect(first["previous_page_uri"] is NSNull && (first["first_page_uri"] as? String)?.hasPrefix(calls) == true)
            let page = try #require(first["calls"] as? [[String: Any]])
            #expect(page.map { $0["sid"] as? String } == [created[2], created[1]], "newest first")

            let next = try #require(first["next_page_uri"] as? String)
            let second = try await Self.get(configuration, next)
            #expect((second["calls"] as? [[String: Any]])?.map { $0["sid"] as? String } == [created[0]])
            #expect(second["next_page_uri"] is NSNull && second["previous_page_uri"] is String)
            #expect(second["page"] as? Int == 1 && second["start"] as? Int == 2 && second["end"] as? Int == 2)
        }
    }

    @Test func aQueuedCallHasNoStartTimeSoTheStartTimeFilterPassesItBy() async throws {
        try await withSandboxTwilio { sandbox, configuration in
            sandbox.faults.queueDelay = .seconds(60)
            let call = try await Self.client(configuration).createCall(Self.request(to: "+14155550123"))
            let calls = "/2010-04-01/Accounts/\(configuration.accountSID)/Calls.json"
            let fetched = try await Self.get(configuration, "/2010-04-01/Accounts/\(configuration.accountSID)/Calls/\(call.sid).json")
            #expect(fetched["status"] as? String == "queued" && fetched["start_time"] is NSNull && fetched["end_time"] is NSNull)
            for field in ["date_updated", "api_version", "queue_time", "uri", "subresource_uris", "parent_call_sid", "price_unit"] {
                #expect(fetched.keys.contains(field), "\(field)")
            }
            #expect(fetched["uri"] as? String == "/2010-04-01/Accounts/\(configuration.accountSID)/Calls/\(call.sid).json")

            // `StartTime>=` arrives percent-encoded, as every client sends it.
            let yesterday = ISO8601DateFormatter.string(
                from: Date().addingTimeInterval(-86_400),
                timeZone: TimeZone(identifier: "UTC")!,
                formatOptions: [.withFullDate]
            )
            let started = try await Self.get(configuration, calls + "?To=%2B14155550123&StartTime%3E=\(yesterday)")
            #expect((started["calls"] as? [Any])?.isEmpty == true, "a queued call has not started")
            let queued = try await Self.get(configuration, calls + "?To=%2B14155550123&Status=queued")
            #expect((queued["calls"] as? [[String: Any]])?.map { $0["sid"] as? String } == [call.sid])
        }
    }

    /// The spec: `end_time` is empty unless the call completed, `duration` empty for busy,
    /// failed, unanswered or ongoing calls.
    @Test func aCallThatNeverConnectedHasNoEndTimeAndNoDuration() async throws {
        try await withSandboxTwilio(configure: { $0.timing.talk = .milliseconds(50) }) { sandbox, configuration in
            sandbox.script("+14155550124", .busy)
            let client = Self.client(configuration)
            let busy = try await client.createCall(Self.request(to: "+14155550124"))
            let answered = try await client.createCall(Self.request(to: "+14155550125"))
            await sandbox.settle()
            let ended = try await client.call(sid: busy.sid)
            #expect(ended.status == "busy" && ended.end_time == nil && ended.duration == nil && ended.start_time != nil)
            let completed = try await client.call(sid: answered.sid)
            #expect(completed.status == "completed" && completed.end_time != nil && completed.duration != nil)
        }
    }

    /// `initiated` is a status callback event, never a REST status: a call that left the
    /// queue but is not ringing yet still shows `queued`.
    @Test func theRESTStatusIsNeverInitiated() async throws {
        let router = Router()
        // The `initiated` callback is answered slowly: the call stays in that phase meanwhile.
        router.post("/status") { _, _ -> HTTPResponse.Status in
            try await Task.sleep(for: .milliseconds(600))
            return .noContent
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: TestDatabase.testLogger)
        try await app.test(.live) { receiver in
            let port = try #require(receiver.port)
            try await withSandboxTwilio { sandbox, configuration in
                var request = Self.request(to: "+14155550123")
                request.statusCallback = "http://127.0.0.1:\(port)/status"
                let call = try await Self.client(configuration).createCall(request)
                let initiated = try await eventually(timeout: .seconds(5)) { sandbox.calls.first?.status == "initiated" }
                #expect(initiated)
                #expect(try await Self.client(configuration).call(sid: call.sid).status == "queued")
                sandbox.shutdown()
            }
        }
    }

    @Test(arguments: [
        ("", "+14155550100", 21201), ("555-0100", "+14155550100", 21211),
        ("+14155550123", "", 21213), ("+14155550123", "not-a-number", 21212), ("+14155550123", "+19995550100", 21210),
    ])
    func aCreateIsRefusedWithTwiliosCodeForWhatIsWrong(to: String, from: String, expected: Int) async throws {
        try await withSandboxTwilio { sandbox, configuration in
            do {
                _ = try await Self.client(configuration).createCall(Self.request(to: to, from: from))
                Issue.record("created a call to \(to) from \(from)")
            } catch let error as TwilioError {
                guard case let .api(status, code, _, _, _) = error else {
                    Issue.record("\(error)")
                    return
                }
                #expect(status == 400 && code == expected)
            }
            #expect(sandbox.calls.isEmpty)
        }
    }
}
