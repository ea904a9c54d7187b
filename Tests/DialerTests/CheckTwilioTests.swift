import Foundation
import Store
import TestSupport
import Testing
import Twilio

@Suite struct CheckTwilioTests {
    @Test func printsTheAccountOrExactlyWhyNot() async throws {
        try await TestDatabase.withFresh { _, url in
            try await withSandboxTwilio { sandbox, configuration in
                let environment = ["TWILIO_ACCOUNT_SID": configuration.accountSID, "TWILIO_AUTH_TOKEN": configuration.secret, "TWILIO_BASE_URL": configuration.baseURL]
                let good = try await CampaignCommandTests.dialer(url, ["check", "twilio"], environment: environment)
                #expect(good.status == 0, "\(good.output)")
                #expect(good.output.contains("account: Dialer Sandbox (\(configuration.accountSID))") && good.output.contains("status: active"))

                var wrong = environment
                wrong["TWILIO_AUTH_TOKEN"] = "not-the-token"
                let bad = try await CampaignCommandTests.dialer(url, ["check", "twilio"], environment: wrong)
                #expect(bad.status == 1)
                #expect(bad.output.contains("cannot use Twilio: Twilio error 20003: Authenticate [HTTP 401]"), "\(bad.output)")
                #expect(!bad.output.contains("not-the-token"))

                let missing = try await CampaignCommandTests.dialer(url, ["check", "twilio"], environment: ["TWILIO_ACCOUNT_SID": ""])
                #expect(missing.output.contains("cannot use Twilio: TWILIO_ACCOUNT_SID is not set"), "\(missing.output)")
            }
        }
    }
}
