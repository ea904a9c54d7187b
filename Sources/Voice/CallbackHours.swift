import Foundation

/// When a callee may be called back: their time zone, and the instants in the next two weeks
/// a call may start (the campaign's hours, 08:00–21:00 and every calling rule, in every zone
/// they may be in), as the media service read them when the call's stream started.
public struct CallbackHours: Sendable, Equatable {
    /// The callee's own zone: days and parts of days are theirs.
    public var timeZone: TimeZone
    /// Ordered, disjoint intervals a call may start in.
    public var openings: [DateInterval]

    /// The soonest a callback starts after it is asked for: "this afternoon" at 12:10 is not
    /// a call at 12:10.
    public static let lead: TimeInterval = 3600
    /// A window shorter than this is no window: the call could not fit a queue's delay.
    public static let shortest: TimeInterval = 1800
    /// Days searched from the one named.
    public static let horizonDays = 14

    public init(timeZone: TimeZone, openings: [DateInterval]) {
        self.timeZone = timeZone
        self.openings = openings
    }

    /// The window the callback goes in: the first day from the one asked for whose part of
    /// the day overlaps the openings by at least ``shortest``, starting ``lead`` from `now`
    /// at the earliest. A part named without a day is the next one to begin ("morning" said
    /// at 10:00 is tomorrow's). Nil when none does within ``horizonDays``.
    public func window(for request: CallbackRequest, now: Date) -> CallbackWindow? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let today = calendar.startOfDay(for: now)
        let earliest = now.addingTimeInterval(Self.lead)
        let first = firstDay(of: request.day, today: today, calendar: calendar)
        for offset in first..<(first + Self.horizonDays) {
            guard let day = calendar.date(byAdding: .day, value: offset, to: today),
                let partStart = Self.at(request.part.minutes.lowerBound, of: day, calendar),
                let partEnd = Self.at(request.part.minutes.upperBound, of: day, calendar)
            else { continue }
            if request.day == nil, request.part != .anyTime, partStart < now { continue }
            let lower = max(partStart, earliest)
            for opening in openings where opening.end > lower && opening.start < partEnd {
                let start = max(opening.start, lower)
                let end = min(opening.end, partEnd)
                guard end.timeIntervalSince(start) >= Self.shortest else { continue }
                let spoken = Self.spoken(offset: offset, day: day, part: request.part, calendar: calendar)
                return CallbackWindow(start: start, end: end, timeZone: timeZone.identifier, spoken: spoken)
            }
        }
        return nil
    }

    /// The instant `minute` minutes after local midnight of `day`, by the wall clock (a
    /// daylight-saving day keeps its 09:00).
    private static func at(_ minute: Int, of day: Date, _ calendar: Calendar) -> Date? {
        guard minute < 24 * 60 else { return calendar.date(byAdding: .day, value: 1, to: day) }
        return calendar.date(bySettingHour: minute / 60, minute: minute % 60, second: 0, of: day)
    }

    /// Days from today to the first day `day` may be.
    private func firstDay(of day: CallbackRequest.Day?, today: Date, calendar: Calendar) -> Int {
        // Calendar counts Sunday as 1; ISO counts Monday as 1.
        let weekday = (calendar.component(.weekday, from: today) + 5) % 7 + 1
        switch day {
        case nil, .today?: return 0
        case .tomorrow?: return 1
        // "Monday" said on a Monday is next week's.
        case .weekday(let wanted)?: return (wanted - weekday + 6) % 7 + 1
        case .nextWeek?: return (1 - weekday + 6) % 7 + 1
        }
    }

    /// How the agent says the window, from the callee's today: "this afternoon", "tomorrow
    /// morning", "on Monday", "on Monday, December 14, in the evening".
    static func spoken(offset: Int, day: Date, part: CallbackRequest.Part, calendar: Calendar) -> String {
        let weekday = CallbackRequest.weekdays[(calendar.component(.weekday, from: day) + 5) % 7].capitalized
        let partName = part == .anyTime ? nil : part.rawValue
        switch offset {
        case 0: return partName.map { "this \($0)" } ?? "later today"
        case 1: return "tomorrow" + (partName.map { " \($0)" } ?? "")
        case 2...6: return "on \(weekday)" + (partName.map { " \($0)" } ?? "")
        default:
            let month = months[calendar.component(.month, from: day) - 1]
            return "on \(weekday), \(month) \(calendar.component(.day, from: day))" + (partName.map { ", in the \($0)" } ?? "")
        }
    }

    private static let months = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December",
    ]
}

/// A callback the dialer schedules: its next call starts inside `start..<end`.
public struct CallbackWindow: Sendable, Equatable, Codable {
    public var start: Date
    public var end: Date
    /// The callee's zone, in which the agent said it.
    public var timeZone: String
    /// What the agent said it as: "tomorrow afternoon".
    public var spoken: String

    public init(start: Date, end: Date, timeZone: String, spoken: String) {
        self.start = start
        self.end = end
        self.timeZone = timeZone
        self.spoken = spoken
    }
}
