import Foundation

/// A row of `dialer.calling_rules`: when calls may go out to contacts of one state (or, for
/// `*`, to every contact), in the callee's local time. Rules only narrow: a contact's window is
/// the campaign's, 08:00–21:00, the `*` rule and the rule of each state it may be in, together.
public struct CallingRule: Sendable, Equatable {
    /// `*`, or a two-letter state code.
    public var state: String
    /// Minutes after local midnight.
    public var startMinute: Int
    public var endMinute: Int
    /// ISO weekdays calls may go out on: 1 is Monday, 7 Sunday.
    public var weekdays: Set<Int>
    /// Local dates (`YYYY-MM-DD`) with no calls at all: holidays.
    public var noCallDates: Set<String>
    public var note: String?

    public static let allState = "*"
    public static let everyDay: Set<Int> = [1, 2, 3, 4, 5, 6, 7]

    public init(
        state: String,
        startMinute: Int = 8 * 60,
        endMinute: Int = 21 * 60,
        weekdays: Set<Int> = everyDay,
        noCallDates: Set<String> = [],
        note: String? = nil
    ) {
        self.state = state
        self.startMinute = startMinute
        self.endMinute = endMinute
        self.weekdays = weekdays
        self.noCallDates = noCallDates
        self.note = note
    }

    /// Rules as `CallingRuleStore.ruleJSON` renders them, one JSON array.
    static func decode(json: String) throws -> [CallingRule] {
        struct Row: Decodable {
            let state: String, start: String, end: String, weekdays: [Int], dates: [String], note: String?
        }
        return try JSONDecoder().decode([Row].self, from: Data(json.utf8)).map { row in
            CallingRule(
                state: row.state,
                startMinute: minutes(row.start),
                endMinute: minutes(row.end),
                weekdays: Set(row.weekdays),
                noCallDates: Set(row.dates),
                note: row.note
            )
        }
    }

    /// `HH:MM` to minutes after midnight (the database renders it, so it is well formed).
    static func minutes(_ text: String) -> Int {
        let parts = text.split(separator: ":").compactMap { Int($0) }
        return parts.count >= 2 ? parts[0] * 60 + parts[1] : 0
    }

    /// `HH:MM` of minutes after midnight.
    public static func clock(_ minutes: Int) -> String {
        String(format: "%02d:%02d", minutes / 60, minutes % 60)
    }
}

/// Why a calling rule could not be written.
public enum CallingRuleError: Error, Equatable, CustomStringConvertible {
    case notFound(String)
    case cannotRemoveAllStates
    case outsideFederalHours

    public var description: String {
        switch self {
        case .notFound(let state): "no calling rule for \(state)"
        case .cannotRemoveAllStates: "the * rule cannot be removed; set it back with dialer rules set --state '*' --hours 08:00-21:00 --days mon-sun"
        case .outsideFederalHours: "a rule's hours must start before they end, inside 08:00-21:00: a rule can only narrow the federal window"
        }
    }
}
