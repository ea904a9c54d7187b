import ArgumentParser
import DialerServices
import Foundation
import Store
import Worker

/// `dialer rules`: the calling rules (`dialer.calling_rules`) every dial is checked against.
struct RulesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "List and change the calling rules: hours, weekdays and no-call dates, per state or for all.",
        discussion: """
            A contact is called only when its local time, in every zone it may be in, is inside \
            its campaign's window, the federal 08:00-21:00, the * rule and the rule of every \
            state it may be in (its mailing state and its area code's); not on a weekday a rule \
            leaves out, nor on a rule's no-call date (the callee's local date). Rules only \
            narrow: no rule can allow a call before 08:00 or after 21:00. A change applies to \
            the next dial of every campaign; nothing needs restarting. See docs/COMPLIANCE.md.

            Examples:
              dialer rules list
              dialer rules set --state TX --hours 09:00-20:00 --no-sunday
              dialer rules set --state FL --hours 08:00-20:00 --note "per counsel"
              dialer rules set --state '*' --days mon-sat
              dialer rules remove --state TX
              dialer rules holiday add 2026-12-25 2027-01-01
              dialer rules holiday add 2026-07-04 --state TX
              dialer rules holiday remove 2026-12-25
            """,
        subcommands: [List.self, Set.self, Remove.self, Holiday.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every calling rule: state, hours, weekdays, no-call dates.",
            discussion: "Example:\n  dialer rules list"
        )
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            try await Database.run(url: try database.url(), maxConnections: 1, logger: database.logger("dialer.rules")) { db in
                print(RuleText.table(try await CallingRuleStore(database: db).list()))
            }
        }
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create or change the rule of a state (or of every contact, --state '*').",
            discussion: """
                What is not given stays as it was; a new rule starts from 08:00-21:00, every day.

                Examples:
                  dialer rules set --state TX --hours 09:00-21:00 --no-sunday
                  dialer rules set --state Florida --hours 08:00-20:00 --days mon-sat
                  dialer rules set --state '*' --days mon-sun
                """
        )
        @OptionGroup var database: DatabaseOptions
        @Option(help: "A two-letter state code or name, or '*' for every contact.") var state: String
        @Option(help: "Allowed hours, HH:MM-HH:MM in the callee's local time, inside 08:00-21:00.") var hours: String?
        @Option(help: "Allowed weekdays: mon-fri, mon,wed,fri, mon-sun.") var days: String?
        @Flag(help: "No calls on Saturdays.") var noSaturday = false
        @Flag(help: "No calls on Sundays.") var noSunday = false
        @Option(help: "Why the rule exists (a statute, a client's request).") var note: String?

        func validate() throws {
            _ = try RuleArguments.state(state)
            if let hours { _ = try RuleArguments.hours(hours) }
            if let days { _ = try RuleArguments.weekdays(days) }
        }

        func run() async throws {
            let state = try RuleArguments.state(state)
            let hours = try hours.map(RuleArguments.hours)
            let note = note
            let days = try days.map(RuleArguments.weekdays)
            let without = Swift.Set([noSaturday ? 6 : nil, noSunday ? 7 : nil].compactMap { $0 })
            try await Database.run(url: try database.url(), maxConnections: 1, logger: database.logger("dialer.rules")) { db in
                let rule = try await CallingRuleStore(database: db).set(
                    state: state,
                    hours: hours,
                    weekdays: days,
                    withoutWeekdays: without,
                    note: note
                )
                print("rule \(rule.state): \(RuleText.line(rule))")
                if rule.weekdays.isEmpty { print("warning: no weekday is left: no contact of \(rule.state) will be called") }
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a state's rule (the * rule stays).",
            discussion: "Example:\n  dialer rules remove --state TX"
        )
        @OptionGroup var database: DatabaseOptions
        @Option(help: "A two-letter state code or name.") var state: String

        func validate() throws { _ = try RuleArguments.state(state) }

        func run() async throws {
            let state = try RuleArguments.state(state)
            try await Database.run(url: try database.url(), maxConnections: 1, logger: database.logger("dialer.rules")) { db in
                try await CallingRuleStore(database: db).remove(state: state)
                print("rule \(state) removed")
            }
        }
    }

    struct Holiday: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add or remove no-call dates (holidays), for every contact or one state's.",
            discussion: """
                A date is the callee's local date: 2026-12-25 stops calls from midnight to \
                midnight in each zone a contact may be in.

                Examples:
                  dialer rules holiday add 2026-12-25 2027-01-01
                  dialer rules holiday add 2026-03-02 --state TX
                  dialer rules holiday remove 2026-12-25
                """,
            subcommands: [Add.self, Remove.self]
        )

        /// Adds or removes no-call dates of one rule, and prints the rule as it now stands.
        static func change(
            _ database: DatabaseOptions,
            _ dates: [String],
            state: String,
            _ apply: @escaping @Sendable (CallingRuleStore, [String], String) async throws -> CallingRule
        ) async throws {
            let state = try RuleArguments.state(state)
            try await Database.run(url: try database.url(), maxConnections: 1, logger: database.logger("dialer.rules")) { db in
                let rule = try await apply(CallingRuleStore(database: db), dates, state)
                print("rule \(rule.state): \(RuleText.line(rule))")
            }
        }

        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Add no-call dates.",
                discussion: "Example:\n  dialer rules holiday add 2026-12-25"
            )
            @OptionGroup var database: DatabaseOptions
            @Argument(help: "Dates, YYYY-MM-DD.") var dates: [String]
            @Option(help: "Only for this state's contacts (default: every contact, the * rule).") var state = "*"

            func validate() throws { try RuleArguments.checkDates(dates, state: state) }

            func run() async throws {
                try await Holiday.change(database, dates, state: state) { try await $0.addNoCallDates($1, state: $2) }
            }
        }

        struct Remove: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Remove no-call dates.",
                discussion: "Example:\n  dialer rules holiday remove 2026-12-25"
            )
            @OptionGroup var database: DatabaseOptions
            @Argument(help: "Dates, YYYY-MM-DD.") var dates: [String]
            @Option(help: "The state whose rule holds them (default: the * rule).") var state = "*"

            func validate() throws { try RuleArguments.checkDates(dates, state: state) }

            func run() async throws {
                try await Holiday.change(database, dates, state: state) { try await $0.removeNoCallDates($1, state: $2) }
            }
        }
    }
}

/// Parses and checks `dialer rules` arguments, with errors that say what is expected.
enum RuleArguments {
    static func state(_ text: String) throws -> String {
        if text.trimmingCharacters(in: .whitespaces) == CallingRule.allState { return CallingRule.allState }
        guard let code = CallingTimeZone.stateCode(text) else {
            throw ValidationError("--state must be '*' or a US state's two-letter code or name, not \(text)")
        }
        return code
    }

    static func hours(_ text: String) throws -> (start: Int, end: Int) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2, parts.allSatisfy({ $0.range(of: #"^\d{2}:\d{2}$"#, options: .regularExpression) != nil }),
            let window = CallingWindow(start: parts[0], end: parts[1])
        else { throw ValidationError("--hours must be HH:MM-HH:MM with the start first, such as 09:00-20:00, not \(text)") }
        guard window.start >= CallingWindow.legal.start, window.end <= CallingWindow.legal.end else {
            throw ValidationError("--hours \(text) is outside 08:00-21:00: a rule can only narrow the federal window")
        }
        return (window.start, window.end)
    }

    static let dayNames = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

    /// `mon-fri`, `mon,wed,fri`, `sat-sun`, `mon-wed,fri` to ISO weekdays (1 is Monday).
    static func weekdays(_ text: String) throws -> Swift.Set<Int> {
        var days = Swift.Set<Int>()
        func day(_ name: Substring) throws -> Int {
            guard let index = dayNames.firstIndex(of: name.lowercased().trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("--days takes mon, tue, wed, thu, fri, sat, sun, as a list or ranges (mon-fri,sun), not \(text)")
            }
            return index + 1
        }
        for part in text.split(separator: ",") {
            let ends = part.split(separator: "-")
            guard (1...2).contains(ends.count) else {
                throw ValidationError("--days takes mon, tue, wed, thu, fri, sat, sun, as a list or ranges (mon-fri,sun), not \(text)")
            }
            let first = try day(ends[0])
            let last = try day(ends[ends.count - 1])
            guard first <= last else { throw ValidationError("--days range \(part) runs backwards; write it Monday first, such as sat-sun") }
            days.formUnion(first...last)
        }
        guard !days.isEmpty else { throw ValidationError("--days names no day: \(text)") }
        return days
    }

    /// Real calendar dates as `YYYY-MM-DD`, and a state the rule can belong to.
    static func checkDates(_ dates: [String], state: String) throws {
        _ = try RuleArguments.state(state)
        guard !dates.isEmpty else { throw ValidationError("give at least one date, YYYY-MM-DD") }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        for text in dates {
            let parts = text.split(separator: "-").compactMap { Int($0) }
            guard text.range(of: #"^\d{4}-\d{2}-\d{2}$"#, options: .regularExpression) != nil, parts.count == 3,
                let date = calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2])),
                calendar.dateComponents([.year, .month, .day], from: date) == DateComponents(year: parts[0], month: parts[1], day: parts[2])
            else { throw ValidationError("\(text) is not a date: write it YYYY-MM-DD, such as 2026-12-25") }
        }
    }
}

/// Calling rules as `dialer rules` prints them.
enum RuleText {
    static func days(_ weekdays: Set<Int>) -> String {
        guard !weekdays.isEmpty else { return "none" }
        var runs: [ClosedRange<Int>] = []
        for day in weekdays.sorted() {
            if let last = runs.last, last.upperBound == day - 1 { runs[runs.count - 1] = last.lowerBound...day } else { runs.append(day...day) }
        }
        return runs.map { run in
            let first = RuleArguments.dayNames[run.lowerBound - 1]
            let last = RuleArguments.dayNames[run.upperBound - 1]
            return run.count == 1 ? first : "\(first)-\(last)"
        }.joined(separator: ",")
    }

    static func hours(_ rule: CallingRule) -> String { "\(CallingRule.clock(rule.startMinute))-\(CallingRule.clock(rule.endMinute))" }

    static func line(_ rule: CallingRule) -> String {
        let dates = rule.noCallDates.sorted()
        return "\(hours(rule)), \(days(rule.weekdays)), no calls on: \(dates.isEmpty ? "no date" : dates.joined(separator: " "))"
    }

    static func table(_ rules: [CallingRule]) -> String {
        Table(
            header: ["state", "hours", "days", "no_call_dates", "note"],
            rows: rules.map { [$0.state, hours($0), days($0.weekdays), $0.noCallDates.sorted().joined(separator: " "), $0.note ?? ""] }
        ).render()
    }
}
