import Foundation
import PostgresNIO
import Store
import TestSupport
import Testing

/// `dialer rules`: the calling rules as an operator sets them, read back from SQL.
@Suite struct RulesCommandTests {
    static func dialer(_ url: DatabaseURL, _ arguments: [String]) async throws -> (status: Int32?, output: String) {
        try await CampaignCommandTests.dialer(url, ["rules"] + arguments)
    }

    @Test func theDatabaseShipsWithTheFederalRuleOnlyAndRefusesToWidenIt() async throws {
        try await TestDatabase.withFresh { db, url in
            let list = try await Self.dialer(url, ["list"])
            #expect(list.status == 0, "\(list.output)")
            #expect(list.output.contains("state  hours        days     no_call_dates  note"), "\(list.output)")
            #expect(
                list.output.contains("*      08:00-21:00  mon-sun                 federal: 08:00-21:00 in the callee's local time"),
                "\(list.output)"
            )
            #expect(try await db.scalar("SELECT count(*)::int FROM dialer.calling_rules", as: Int.self) == 1)
            for widening in [
                "start_time = '07:59'", "end_time = '21:01'", "start_time = '20:00', end_time = '19:00'", "weekdays = '{0}'", "state = 'tx'",
            ] {
                await #expect(throws: (any Error).self) {
                    try await db.execute(PostgresQuery(unsafeSQL: "UPDATE dialer.calling_rules SET \(widening)"))
                }
            }
        }
    }

    @Test func setHolidayAndRemoveWriteTheRulesTheDialerReads() async throws {
        try await TestDatabase.withFresh { db, url in
            let set = try await Self.dialer(
                url,
                ["set", "--state", "Texas", "--hours", "09:00-20:00", "--no-sunday", "--note", "Tex. Bus. & Com. Code 304"]
            )
            #expect(set.status == 0 && set.output.contains("rule TX: 09:00-20:00, mon-sat, no calls on: no date"), "\(set.output)")
            // What is not given stays; --days replaces the weekdays.
            let days = try await Self.dialer(url, ["set", "--state", "TX", "--days", "mon-fri,sun"])
            #expect(days.output.contains("rule TX: 09:00-20:00, mon-fri,sun"), "\(days.output)")
            #expect(try await Self.dialer(url, ["holiday", "add", "2026-12-25", "2027-01-01"]).status == 0)
            #expect(try await Self.dialer(url, ["holiday", "add", "2026-12-25", "2026-07-04", "--state", "CA"]).status == 0)
            let removed = try await Self.dialer(url, ["holiday", "remove", "2026-12-25", "--state", "CA"])
            #expect(removed.output.contains("rule CA: 08:00-21:00, mon-sun, no calls on: 2026-07-04"), "\(removed.output)")

            let rows = try await db.rows(
                """
                SELECT state, start_time::text, end_time::text, weekdays::int[], no_call_dates::text[], coalesce(note, '')
                FROM dialer.calling_rules ORDER BY state
                """,
                as: (String, String, String, [Int], [String], String).self
            )
            #expect(rows.map(\.0) == ["*", "CA", "TX"])
            #expect(rows[0].4 == ["2026-12-25", "2027-01-01"] && rows[0].3 == [1, 2, 3, 4, 5, 6, 7])
            #expect(rows[1].4 == ["2026-07-04"])
            #expect(
                rows[2].1 == "09:00:00" && rows[2].2 == "20:00:00" && rows[2].3 == [1, 2, 3, 4, 5, 7] && rows[2].5 == "Tex. Bus. & Com. Code 304"
            )
            let list = try await Self.dialer(url, ["list"])
            #expect(list.output.contains("2026-12-25 2027-01-01"), "\(list.output)")
            #expect(list.output.contains("TX     09:00-20:00  mon-fri,sun"), "\(list.output)")

            #expect(try await Self.dialer(url, ["remove", "--state", "tx"]).output.contains("rule TX removed"))
            #expect(try await db.scalar("SELECT count(*)::int FROM dialer.calling_rules WHERE state = 'TX'", as: Int.self) == 0)
        }
    }

    @Test func badInputIsRefusedWithTheReasonAndNothingChanges() async throws {
        try await TestDatabase.withFresh { db, url in
            let cases: [([String], String)] = [
                (
                    ["set", "--state", "TX", "--hours", "07:00-21:00"],
                    "--hours 07:00-21:00 is outside 08:00-21:00: a rule can only narrow the federal window"
                ),
                (["set", "--state", "TX", "--hours", "20:00-09:00"], "--hours must be HH:MM-HH:MM with the start first"),
                (["set", "--state", "TX", "--hours", "9-5"], "--hours must be HH:MM-HH:MM"),
                (["set", "--state", "ZZ", "--hours", "09:00-20:00"], "--state must be '*' or a US state's two-letter code or name, not ZZ"),
                (["set", "--state", "TX", "--days", "mon-funday"], "--days takes mon, tue, wed, thu, fri, sat, sun"),
                (["set", "--state", "TX", "--days", "sun-mon"], "--days range sun-mon runs backwards"),
                (["holiday", "add", "2026-02-30"], "2026-02-30 is not a date: write it YYYY-MM-DD"),
                (["holiday", "add", "12/25/2026"], "12/25/2026 is not a date"),
                (["remove", "--state", "*"], "the * rule cannot be removed"),
                (["remove", "--state", "NM"], "no calling rule for NM"),
            ]
            for (arguments, message) in cases {
                let (status, output) = try await Self.dialer(url, arguments)
                #expect(status != 0 && status != nil, "\(arguments): \(output)")
                #expect(output.contains(message), "\(arguments): \(output)")
            }
            #expect(try await db.scalar("SELECT count(*)::int FROM dialer.calling_rules", as: Int.self) == 1)
            #expect(try await db.scalar("SELECT no_call_dates = '{}' AND start_time = '08:00' FROM dialer.calling_rules", as: Bool.self))
        }
    }

    @Test func everyRulesCommandExplainsItselfWithAnExample() async throws {
        try await TestDatabase.withFresh { _, url in
            for command in [[], ["list"], ["set"], ["remove"], ["holiday"], ["holiday", "add"], ["holiday", "remove"]] {
                let (status, output) = try await Self.dialer(url, command + ["--help"])
                #expect(status == 0, "\(command): \(output)")
                #expect(output.contains("Example") && output.contains("dialer rules"), "\(command): \(output)")
            }
        }
    }
}
