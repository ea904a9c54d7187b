import Foundation
import Sandbox
import TestSupport
import Testing

@testable import DialerLab

/// The invariants' rate check reads the dialer's own slots as well as what Twilio logged.
@Suite struct ChaosInvariantsTests {
    @Test func moreRateSlotsInASecondThanTheRateIsAViolation() async throws {
        try await TestDatabase.withFresh { db, url in
            let campaign = try await EndedCalls.campaign(db)
            try await EndedCalls.seed(db, campaignID: campaign, 21)
            // 21 attempts on slots within 0.84 s, as a pacing burst would send them.
            try await db.execute(
                "UPDATE dialer.call_attempts SET slot_at = now() + make_interval(secs => 0.04 * (SELECT count(*) FROM dialer.call_attempts b WHERE b.id < call_attempts.id))"
            )
            let salesforce = SandboxSalesforce(configuration: .init(clientID: "c", username: "u", publicKeyPEM: TestKeys.connectedAppPublicKey))
            let twilio = SandboxTwilio(configuration: .init(accountSID: "AC" + String(repeating: "0", count: 32), authToken: "t", ownedNumbers: []))
            defer { twilio.shutdown() }
            func violations(rate: Double) async throws -> (ChaosReport, [String]) {
                var report = ChaosReport(settings: .init())
                let found = try await ChaosInvariants(url: url, campaignID: campaign, rate: rate, logger: TestDatabase.testLogger)
                    .check(salesforce: salesforce, twilio: twilio, into: &report)
                return (report, found)
            }
            let (report, atTwenty) = try await violations(rate: 20)
            #expect(report.busiestSlotSecond == 21)
            #expect(atTwenty.contains("21 rate slots in one second, above 20.0/s"), "\(atTwenty)")
            #expect(report.text.contains("(21 of the dialer's rate slots)"))
            let (_, atThirty) = try await violations(rate: 30)
            #expect(!atThirty.contains { $0.contains("rate slots") }, "\(atThirty)")
        }
    }
}
