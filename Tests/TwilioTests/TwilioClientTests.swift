import Foundation
import Sandbox
import TestSupport
import Testing
import Twilio

@Suite struct TwilioClientTests {
    static func client(_ configuration: TwilioConfiguration) -> TwilioClient {
        TwilioClient(configuration: configuration, logger: TestDatabase.testLogger, backoff: .init(base: 0.01, factor: 2, cap: 0.05, jitter: 0))
    }

    static func request(to: String = "+14155550123") -> CallRequest {
        var request = CallRequest(
            to: to,
            from: "+14155550100",
            url: "https://dialer.example.com/twilio/voice",
            statusCallback: "https://dialer.example.com/twilio/status?attempt=7f3a"
        )
        request.asyncAmdStatusCallback = "https://dialer.example.com/twilio/amd?attempt=7f3a"
        return request
    }

    @Test func createsACallWithOneStatusCallbackEventFieldPerEventThenFetchesListsAndHangsUp() async throws {
        try await withSandboxTwilio(configure: { $0.simulatesCalls = false }) { sandbox, configuration in
            let client = Self.client(configuration)
            let call = try await client.createCall(Self.request())
            #expect(call.sid.hasPrefix("CA") && call.status == "queued" && call.to == "+14155550123")
            let form = try #require(sandbox.requests.first { $0.path.hasSuffix("/Calls.json") }?.form)
            #expect(form["StatusCallbackEvent"] == ["initiated", "ringing", "answered", "completed"])
            #expect(form["StatusCallbackMethod"] == ["POST"] && form["Timeout"] == ["30"])
            #expect(form["StatusCallback"] == ["https://dialer.example.com/twilio/status?attempt=7f3a"])
            #expect(form["MachineDetection"] == ["Enable"] && form["AsyncAmd"] == ["true"])

            #expect(try await client.call(sid: call.sid) == call)
            let listed = try await client.calls(to: "+14155550123", createdOnOrAfter: Date().addingTimeInterval(-3600))
            #expect(listed.map(\.sid) == [call.sid])
            #expect(try await client.calls(to: "+14155550999", createdOnOrAfter: Date().addingTimeInterval(-3600)).isEmpty)
            #expect(try await client.hangUp(sid: call.sid).status == "canceled")
            #expect(try await client.account().status == "active")
        }
    }

    /// Reconciliation's question: which calls did the account create to this number? Calls
    /// still in Twilio's queue have no start time and must be among them, on every page.
    @Test func theCallsListFindsQueuedCallsAndFollowsEveryPage() async throws {
        try await withSandboxTwilio(configure: { $0.largestPageSize = 2 }) { sandbox, configuration in
            sandbox.faults.queueDelay = .seconds(60)
            let client = Self.client(configuration)
            let before = Date().addingTimeInterval(-5)
            var created: [String] = []
            for _ in 0..<5 { created.append(try await client.createCall(Self.request()).sid) }
            _ = try await client.createCall(Self.request(to: "+14155550999"))
            #expect(try await client.call(sid: created[0]).start_time == nil, "a queued call has not started")

            let listed = try await client.calls(to: "+14155550123", createdOnOrAfter: before)
            #expect(listed.map(\.sid) == created.reversed(), "newest first, all five, none to another number")
            let lists = sandbox.requests.filter { $0.method == "GET" && $0.path.hasSuffix("/Calls.json") }
            #expect(lists.count >= 3, "five calls at two a page take three pages")
            #expect(try await client.calls(to: "+14155550123", createdOnOrAfter: Date().addingTimeInterval(60)).isEmpty)
        }
    }

    @Test func anAPIKeyOfTheAccountIsAcceptedOnThatAccountOnly() async throws {
        try await withSandboxTwilio(configure: { $0.apiKeys = ["SKdialer00000000000000000000000key": "key-secret"] }) { sandbox, configuration in
            var key = configuration
            key.username = "SKdialer00000000000000000000000key"
            key.secret = "key-secret"
            let call = try await Self.client(key).createCall(Self.request())
            #expect(sandbox.calls.map(\.sid) == [call.sid])
            #expect(try await Self.client(key).account().sid == configuration.accountSID)

            var wrongSecret = key
            wrongSecret.secret = "sandbox-auth-token"
            await #expect(
                throws: TwilioError.api(
                    status: 401,
                    code: 20003,
                    message: "Authenticate",
                    moreInfo: "https://www.twilio.com/docs/errors/20003",
                    retryAfter: nil
                )
            ) {
                _ = try await Self.client(wrongSecret).account()
            }
            // The key belongs to its account: on another account's URL it finds nothing.
            var elsewhere = key
            elsewhere.accountSID = "ACsomeoneelse000000000000000000000"
            do {
                _ = try await Self.client(elsewhere).createCall(Self.request())
                Issue.record("a key placed a call on another account")
            } catch let error as TwilioError {
                guard case let .api(status, _, _, _, _) = error else {
                    Issue.record("\(error)")
                    return
                }
                #expect(status == 404)
            }
            #expect(sandbox.calls.count == 1)
        }
    }

    @Test func a429IsWaitedOutAsTwilioAsksAndTheCreateGoesThroughOnce() async throws {
        try await withSandboxTwilio { sandbox, configuration in
            sandbox.faults.tooManyRequests = 2
            sandbox.faults.retryAfterSeconds = 1
            let start = ContinuousClock.now
            _ = try await Self.client(configuration).createCall(Self.request())
            #expect(ContinuousClock.now - start >= .seconds(2))
            #expect(sandbox.requests.filter { $0.path.hasSuffix("/Calls.json") }.map(\.status) == [429, 429, 201])
            #expect(sandbox.calls.count == 1)
        }
    }

    @Test func aServerErrorOnCreateIsAmbiguousAndNeverRetriedBlindly() async throws {
        try await withSandboxTwilio { sandbox, configuration in
            sandbox.faults.serverErrorsAfterCreating = 1
            let client = Self.client(configuration)
            do {
                _ = try await client.createCall(Self.request())
                Issue.record("a 500 was taken for success")
            } catch let error as TwilioError {
                guard case .ambiguous = error else {
                    Issue.record("not ambiguous: \(error)")
                    return
                }
                #expect(!error.isPermanent)
            }
            // One POST only: the call exists, and reconciliation finds it.
            #expect(sandbox.requests.filter { $0.method == "POST" }.count == 1)
            #expect(try await client.calls(to: "+14155550123", createdOnOrAfter: Date().addingTimeInterval(-60)).count == 1)
        }
    }

    @Test func errorsOnTheCallsOwnParametersArePermanentAndCredentialsAreNot() async throws {
        try await withSandboxTwilio { _, configuration in
            let client = Self.client(configuration)
            await #expect(throws: TwilioError.self) { try await client.createCall(Self.request(to: "0800-NOPE")) }
            do {
                _ = try await client.createCall(Self.request(to: "555-0100"))
            } catch let error as TwilioError {
                guard case let .api(status, code, _, moreInfo, _) = error else {
                    Issue.record("\(error)")
                    return
                }
                #expect(status == 400 && code == 21211 && error.isPermanent)
                #expect(moreInfo == "https://www.twilio.com/docs/errors/21211")
            }
            var stranger = Self.request()
            stranger.from = "+19995550100"
            do {
                _ = try await client.createCall(stranger)
            } catch let error as TwilioError {
                #expect(error.isPermanent, "\(error)")
            }
            var wrongSecret = configuration
            wrongSecret.secret = "nope"
            do {
                _ = try await Self.client(wrongSecret).account()
            } catch let error as TwilioError {
                guard case let .api(status, code, _, _, _) = error else {
                    Issue.record("\(error)")
                    return
                }
                #expect(status == 401 && code == 20003 && !error.isPermanent)
            }
        }
    }

    @Test func anUnreachableTwilioIsNeverAmbiguous() async throws {
        let configuration = TwilioConfiguration(
            accountSID: "AC1",
            secret: "s",
            baseURL: "http://127.0.0.1:1",
            requestTimeout: .milliseconds(300),
            maxRetries: 1
        )
        do {
            _ = try await Self.client(configuration).createCall(Self.request())
            Issue.record("placed a call through nothing")
        } catch let error as TwilioError {
            guard case .unreachable = error else {
                Issue.record("expected unreachable, got \(error)")
                return
            }
        }
    }

    @Test func settingsComeFromTheEnvironmentWithAnAPIKeyPreferred() throws {
        let key = try TwilioConfiguration.fromEnvironment([
            "TWILIO_ACCOUNT_SID": "AC1", "TWILIO_API_KEY": "SK1", "TWILIO_API_SECRET": "s", "TWILIO_AUTH_TOKEN": "t",
        ])
        #expect(key.username == "SK1" && key.secret == "s" && key.accountSID == "AC1")
        let token = try TwilioConfiguration.fromEnvironment(["TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t"])
        #expect(token.username == "AC1" && token.baseURL == "https://api.twilio.com")
        #expect(throws: TwilioConfigurationError.missing("TWILIO_API_SECRET")) {
            try TwilioConfiguration.fromEnvironment(["TWILIO_ACCOUNT_SID": "AC1", "TWILIO_API_KEY": "SK1"])
        }
        #expect(throws: TwilioConfigurationError.missing("TWILIO_ACCOUNT_SID")) { try TwilioConfiguration.fromEnvironment([:]) }
    }
}
