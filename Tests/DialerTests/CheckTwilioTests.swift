import Foundation
import Store
import TestSupport
import Testing
import Twilio

@Suite struct CheckTwilioTests {
    @Test func printsTheAccountOrExactlyWhyNot() async throws {
        try await TestDatabase.withFresh { _, url in
            try await withSandboxTwilio { sandbox, configuration in
                let environment = [
                    "TWILIO_ACCOUNT_SID": configuration.accountSID, "TWILIO_AUTH_TOKEN": configuration.secret,
                    "TWILIO_BASE_URL": configuration.baseURL,
                ]
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

    /// A campaign's From must be the account's: owned or verified, or refused before any
    /// campaign exists (every call from it would fail).
    @Test func aCallerIDIsCheckedAgainstTheAccountsNumbersAndVerifiedCallerIDs() async throws {
        try await TestDatabase.withFresh { db, url in
            try await withSandboxTwilio(configure: { $0.verifiedCallerIDs = ["+14155550177"] }) { sandbox, configuration in
                let environment = [
                    "TWILIO_ACCOUNT_SID": configuration.accountSID, "TWILIO_AUTH_TOKEN": configuration.secret,
                    "TWILIO_BASE_URL": configuration.baseURL,
                ]
                let owned = try await CampaignCommandTests.dialer(url, ["check", "twilio", "--from", "+14155550100"], environment: environment)
                #expect(owned.status == 0 && owned.output.contains("from: +14155550100 is one of the account's numbers"), "\(owned.output)")
                let verified = try await CampaignCommandTests.dialer(url, ["check", "twilio", "--from", "+14155550177"], environment: environment)
                #expect(verified.status == 0 && verified.output.contains("is a verified caller ID"), "\(verified.output)")
                let stranger = try await CampaignCommandTests.dialer(url, ["check", "twilio", "--from", "+14155550199"], environment: environment)
                #expect(
                    stranger.status == 1 && stranger.output.contains("neither one of the account's numbers nor a verified caller ID"),
                    "\(stranger.output)"
                )

                let create = ["campaign", "create", "--name", "wrong-from", "--where", "MailingState = 'CA'", "--from"]
                let refused = try await CampaignCommandTests.dialer(url, create + ["+14155550199"], environment: environment)
                #expect(
                    refused.status != 0 && refused.output.contains("--from +14155550199 is neither one of the Twilio account's numbers"),
                    "\(refused.output)"
                )
                #expect(try await db.scalar("SELECT count(*)::int FROM dialer.campaigns", as: Int.self) == 0)
                let accepted = try await CampaignCommandTests.dialer(url, create + ["+14155550177"], environment: environment)
                #expect(accepted.status == 0, "\(accepted.output)")
                #expect(sandbox.requests.contains { $0.path.hasSuffix("/OutgoingCallerIds.json") })
            }
        }
    }
}
