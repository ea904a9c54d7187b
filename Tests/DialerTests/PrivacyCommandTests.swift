import Foundation
import Store
import TestSupport
import Testing

/// `dialer privacy`: what an operator types, refused before anything is queued when wrong,
/// and the number never echoed whole.
@Suite struct PrivacyCommandTests {
    static func dialer(_ url: DatabaseURL, _ arguments: [String]) async throws -> (status: Int32?, output: String) {
        try await CampaignCommandTests.dialer(url, ["privacy"] + arguments)
    }

    @Test func badArgumentsAreRefusedAndNothingIsQueued() async throws {
        try await TestDatabase.withFresh { db, url in
            let cases: [([String], String)] = [
                (["purge", "--older-than", "90"], "--older-than must be a number of days, such as 90d"),
                (["purge", "--older-than", "90d", "--campaign", "nope"], "--campaign: no campaign nope"),
                (["erase", "--phone", "4155550123"], "--phone must be a number in E.164"),
            ]
            for (arguments, message) in cases {
                let (status, output) = try await Self.dialer(url, arguments)
                #expect(status != 0 && status != nil)
                #expect(output.contains(message), "\(output)")
            }
            #expect(try await db.scalar("SELECT count(*)::int FROM dialer.jobs", as: Int.self) == 0)
            #expect(try await db.scalar("SELECT count(*)::int FROM dialer.dnc", as: Int.self) == 0)
        }
    }

    @Test func eraseListsTheNumberAtOnceAndQueuesItsErasure() async throws {
        try await TestDatabase.withFresh { db, url in
            let (status, output) = try await Self.dialer(url, ["erase", "--phone", "+1 (415) 555-0123"])
            #expect(status == 0, "\(output)")
            #expect(output.contains("+1415*****23 is on the DNC list") && !output.contains("5550123"), "\(output)")
            #expect(try await db.scalar("SELECT reason FROM dialer.dnc WHERE phone_e164 = '+14155550123'", as: String.self) == "erased")
            #expect(try await db.scalar("SELECT args ->> 'phone' FROM dialer.jobs WHERE kind = 'erase_phone'", as: String.self) == "+14155550123")
        }
    }

    @Test func purgeQueuesOneJobPerScopeAndTheLogShowsWhatWasDone() async throws {
        try await TestDatabase.withFresh { db, url in
            let first = try await Self.dialer(url, ["purge", "--older-than", "90d"])
            #expect(first.status == 0 && first.output.contains("purge of all campaigns, calls that ended before"), "\(first.output)")
            let again = try await Self.dialer(url, ["purge", "--older-than", "30d"])
            #expect(again.output.contains("a purge of all campaigns was queued already"), "\(again.output)")
            let cutoff = try await db.scalar(
                "SELECT extract(epoch FROM now() - (args ->> 'olderThan')::timestamptz)::float8 FROM dialer.jobs WHERE kind = 'purge_conversations'",
                as: Double.self
            )
            #expect(abs(cutoff - 90 * 86_400) < 120, "the cutoff is 90 days back: \(cutoff)")

            #expect(try await Self.dialer(url, ["log"]).output.contains("no purge or erasure yet"))
            try await db.execute(
                "INSERT INTO dialer.privacy_actions (action, phone, calls, contacts, finished_at) VALUES ('erase', '+1415*****23', 2, 1, now())"
            )
            let log = try await Self.dialer(url, ["log"])
            #expect(log.output.contains("erase") && log.output.contains("+1415*****23"), "\(log.output)")
        }
    }
}
