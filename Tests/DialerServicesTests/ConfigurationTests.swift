import DialerServices
import Foundation
import Testing
import Voice

/// The worker's and the service's settings are read and checked in one place: a bad one is
/// refused at start with a message that names it, and a service with none is left out with
/// the reason, never half built.
@Suite struct ConfigurationTests {
    static let twilio = [
        "TWILIO_ACCOUNT_SID": "AC00000000000000000000000000000000", "TWILIO_AUTH_TOKEN": "token",
        "DIALER_PUBLIC_URL": "https://dialer.example.com",
    ]

    static func failure(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func aBadPublicURLIsRefusedByServeWithTheSameMessageTheWorkerGives() throws {
        for bad in ["dialer.example.com", "ftp://dialer.example.com", "https://"] {
            let serve = Self.failure { _ = try ServeConfiguration.parse(Self.twilio.merging(["DIALER_PUBLIC_URL": bad]) { _, new in new }) }
            #expect(serve == "DIALER_PUBLIC_URL / --public-url must be the http(s) URL Twilio calls, not \(bad)")
            // A worker without a usable URL still runs imports and Task writes: it leaves the
            // calls to other workers, for the same reason.
            let worker = try WorkerConfiguration.parse(Self.twilio.merging(["DIALER_PUBLIC_URL": bad]) { _, new in new })
            guard case .notConfigured(let reason) = worker.twilio else {
                Issue.record("a worker dials with the public URL \(bad)")
                continue
            }
            #expect(reason == serve)
        }
        let missing = Self.failure { _ = try ServeConfiguration.parse(Self.twilio.filter { $0.key != "DIALER_PUBLIC_URL" }) }
        #expect(missing == "DIALER_PUBLIC_URL / --public-url is not set: it is the http(s) URL Twilio calls")
    }

    @Test func serveTakesTheAPICallsDefaultCallerIDAndRefusesOneNotInE164() throws {
        let unset = try ServeConfiguration.parse(Self.twilio)
        #expect(unset.calls.defaultFrom == nil)
        let set = try ServeConfiguration.parse(Self.twilio.merging(["DIALER_DEFAULT_FROM": "+14155550100"]) { _, new in new })
        #expect(set.calls.defaultFrom == "+14155550100")
        let bad = Self.failure { _ = try ServeConfiguration.parse(Self.twilio.merging(["DIALER_DEFAULT_FROM": "415 555 0100"]) { _, new in new }) }
        #expect(bad == "DIALER_DEFAULT_FROM must be a number in E.164 form such as +14155550100")
        // The worker's window clock, under the worker's rule: only with a loopback Twilio.
        let clock = Self.failure {
            _ = try ServeConfiguration.parse(Self.twilio.merging(["DIALER_WINDOW_CLOCK_START": "2026-12-07T20:00:00Z"]) { _, new in new })
        }
        #expect(clock == "DIALER_WINDOW_CLOCK_START moves the calling windows; it is only accepted with a loopback TWILIO_BASE_URL")
    }

    @Test func anUnknownEngineIsRefusedNamingTheSettingAndTheChoices() {
        let message = Self.failure { _ = try ServeConfiguration.parse(Self.twilio.merging(["DIALER_STT": "whisper"]) { _, new in new }) }
        #expect(
            message?.contains("DIALER_STT") == true && message?.contains("whisper") == true && message?.contains("pocketsphinx") == true,
            "\(message ?? "accepted")"
        )
        let agent = Self.failure { _ = try ServeConfiguration.parse(Self.twilio.merging(["DIALER_AGENT": "openai"]) { _, new in new }) }
        #expect(agent?.contains("DIALER_OPENAI_MODEL") == true, "\(agent ?? "accepted")")
    }

    @Test func aWorkerRefusesBadSettingsAtStartWithTheirNames() {
        let cases: [([String: String], String)] = [
            (["DIALER_PHONE_FIELD": "HomePhone"], "DIALER_PHONE_FIELD / --phone-field must be MobilePhone or Phone, not homephone"),
            (["DIALER_CAMPAIGN_CHECK_INTERVAL": "soon"], "DIALER_CAMPAIGN_CHECK_INTERVAL must be a number of seconds above 0, not soon"),
            (
                ["DIALER_WINDOW_CLOCK_START": "2026-12-07T20:00:00Z"],
                "DIALER_WINDOW_CLOCK_START moves the calling windows; it is only accepted with a loopback TWILIO_BASE_URL"
            ),
        ]
        for (environment, expected) in cases {
            #expect(Self.failure { _ = try WorkerConfiguration.parse(Self.twilio.merging(environment) { _, new in new }) } == expected)
        }
    }

    @Test func aWorkerWithTwilioSettingsDialsWithThemAndOneWithoutSaysWhy() throws {
        let dialing = try WorkerConfiguration.parse(Self.twilio.merging(["TWILIO_CALLS_PER_SECOND": "5"]) { _, new in new })
        let settings = try #require(dialing.twilio.settings)
        #expect(settings.dialing.publicURL == "https://dialer.example.com" && settings.dialing.accountCallsPerSecond == 5)
        guard case .notConfigured(let reason) = dialing.salesforce else {
            Issue.record("Salesforce configured from nothing")
            return
        }
        #expect(reason.contains("SALESFORCE_"), "\(reason)")
        let badRate = try WorkerConfiguration.parse(Self.twilio.merging(["TWILIO_CALLS_PER_SECOND": "0"]) { _, new in new })
        guard case .notConfigured(let why) = badRate.twilio else {
            Issue.record("a worker dials at 0 calls per second")
            return
        }
        #expect(why == "TWILIO_CALLS_PER_SECOND must be a number above 0, not 0")
    }

    /// The call.ended event waits for the media stream as the Task does, with or without Salesforce.
    @Test func theStreamWaitAppliesToEventsWithoutSalesforce() throws {
        #expect(try WorkerConfiguration.parse(Self.twilio).streamWait == .seconds(60))
        let short = try WorkerConfiguration.parse(Self.twilio.merging(["DIALER_FINALIZE_STREAM_WAIT": "2.5"]) { _, new in new })
        #expect(short.streamWait == .milliseconds(2500) && short.salesforce.settings == nil)
    }
}
