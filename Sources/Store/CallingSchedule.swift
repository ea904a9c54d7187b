import Backoff
import Foundation

/// When a contact may be called: inside the campaign's window (never wider than 08:00–21:00)
/// and every calling rule that applies, in *every* zone the contact may be in.
///
/// Each zone gives, day by day on its own calendar, the interval a call may start in: the
/// hours all rules allow, less the ring time at the end, on the weekdays all rules allow and
/// not on any rule's no-call date (the callee's local date). A call may start at an instant
/// inside every zone's interval; the earliest such instant is searched for up to
/// `horizonDays` ahead. Rules are not paired with zones: a contact that may be in Texas or
/// in New Mexico is held to both states' rules in both its zones, since which one holds is
/// not known.
public struct CallingSchedule: Sendable, Equatable {
    public let window: CallingWindow
    public let rules: [CallingRule]
    public let zones: [TimeZone]

    /// Days searched for an instant every zone and rule allow.
    public static let horizonDays = 14

    /// What `next(after:ring:)` found.
    public enum Decision: Sendable, Equatable {
        /// A call may start now.
        case now
        /// The earliest instant one may.
        case at(Date)
        /// None in the next `horizonDays` days.
        case none
    }

    public init(window: CallingWindow, rules: [CallingRule] = [], zones: [TimeZone]) {
        self.window = window
        self.rules = rules
        self.zones = zones
    }

    /// Whether a call of up to `ring` may start at `now`, else the next instant one may.
    public func next(after now: Date, ring: Duration = .seconds(30)) -> Decision {
        guard !zones.isEmpty else { return .none }
        // Most calls find their instant today or tomorrow: those days first (in every zone they
        // cover the day around `now` whole, so what they find is what the whole horizon finds
        // there), the rest of the horizon only when they find nothing.
        for days in [-1...1, -1...Self.horizonDays] {
            if let first = allowed(from: now, ring: ring, days: days).first { return first.start <= now ? .now : .at(first.start) }
        }
        return .none
    }

    /// Every instant a call of up to `ring` may start from `now` to `horizonDays` ahead, as
    /// intervals in order: what a callback the callee asks for is fitted into.
    public func openings(from now: Date, ring: Duration = .seconds(30)) -> [DateInterval] {
        allowed(from: now, ring: ring, days: -1...Self.horizonDays).map { DateInterval(start: max($0.start, now), end: max($0.end, now)) }
    }

    /// The intervals every zone allows on `days`, those not over by `now`.
    func allowed(from now: Date, ring: Duration, days: ClosedRange<Int>) -> [Interval] {
        guard !zones.isEmpty else { return [] }
        var allowed =
            zones.map { intervals(in: $0, from: now, ring: ring, days: days) }.reduce(nil as [Interval]?) { common, zone in
                common.map { Self.intersect($0, zone) } ?? zone
            } ?? []
        allowed.removeAll { $0.end < now }
        return allowed
    }

    struct Interval: Equatable {
        var start: Date
        var end: Date
    }

    /// The start of the combined hours (minutes after midnight), their end, the weekdays and
    /// the no-call dates of the window and every rule together.
    var combined: (start: Int, end: Int, weekdays: Set<Int>, dates: Set<String>) {
        var start = window.start
        var end = window.end
        var weekdays = CallingRule.everyDay
        var dates: Set<String> = []
        for rule in rules {
            start = max(start, rule.startMinute)
            end = min(end, rule.endMinute)
            weekdays.formIntersection(rule.weekdays)
            dates.formUnion(rule.noCallDates)
        }
        return (start, end, weekdays, dates)
    }

    /// The intervals a call may start in, in one zone, on the local days `days` from today
    /// (the day before `now` to `horizonDays` after it, unless told), in order.
    func intervals(in zone: TimeZone, from now: Date, ring: Duration, days: ClosedRange<Int> = -1...horizonDays) -> [Interval] {
        let hours = combined
        guard hours.start < hours.end, !hours.weekdays.isEmpty else { return [] }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let today = calendar.startOfDay(for: now)
        var result: [Interval] = []
        for offset in days {
            guard let day = calendar.date(byAdding: .day, value: offset, to: today) else { continue }
            let date = calendar.dateComponents([.year, .month, .day, .weekday], from: day)
            guard let year = date.year, let month = date.month, let dayOfMonth = date.day, let weekday = date.weekday else { continue }
            // Calendar counts Sunday as 1; ISO, and the rules, count Monday as 1.
            guard hours.weekdays.contains((weekday + 5) % 7 + 1) else { continue }
            guard hours.dates.isEmpty || !hours.dates.contains(Self.isoDate(year, month, dayOfMonth)) else { continue }
            func at(_ minute: Int) -> Date? {
                calendar.date(from: DateComponents(year: year, month: month, day: dayOfMonth, hour: minute / 60, minute: minute % 60))
            }
            guard let start = at(hours.start), let end = at(hours.end)?.addingTimeInterval(-ring.seconds), start <= end else { continue }
            result.append(Interval(start: start, end: end))
        }
        return result
    }

    /// `YYYY-MM-DD`, as the rules' no-call dates are written.
    static func isoDate(_ year: Int, _ month: Int, _ day: Int) -> String {
        func padded(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(padded(year, 4))-\(padded(month, 2))-\(padded(day, 2))"
    }

    /// The instants inside both lists of ordered, disjoint intervals.
    static func intersect(_ a: [Interval], _ b: [Interval]) -> [Interval] {
        var result: [Interval] = []
        var i = 0
        var j = 0
        while i < a.count && j < b.count {
            let start = max(a[i].start, b[j].start)
            let end = min(a[i].end, b[j].end)
            if start <= end { result.append(Interval(start: start, end: end)) }
            if a[i].end < b[j].end { i += 1 } else { j += 1 }
        }
        return result
    }
}
