import Foundation

/// The hours a contact may be called, in the contact's own time zone.
///
/// A campaign's window is always narrowed to the legal one (08:00–21:00 local): no setting can
/// widen it. A call must also start early enough to finish ringing inside the window, so the
/// last start is the end minus the ring time.
public struct CallingWindow: Sendable, Equatable {
    /// Minutes after local midnight.
    public let start: Int
    public let end: Int

    /// US rules for calls to consumers: 8 am to 9 pm, callee's local time.
    public static let legal = CallingWindow(startMinute: 8 * 60, endMinute: 21 * 60)

    public init(startMinute: Int, endMinute: Int) {
        precondition(0 <= startMinute && startMinute < endMinute && endMinute <= 24 * 60, "a window starts before it ends, within a day")
        start = startMinute
        end = endMinute
    }

    /// From `HH:MM` texts, as campaigns store them.
    public init?(start: String, end: String) {
        func minutes(_ text: String) -> Int? {
            let parts = text.split(separator: ":")
            guard parts.count >= 2, let hour = Int(parts[0]), let minute = Int(parts[1]), (0...24).contains(hour), (0...59).contains(minute) else {
                return nil
            }
            return hour * 60 + minute
        }
        guard let startMinute = minutes(start), let endMinute = minutes(end), startMinute < endMinute else { return nil }
        self.init(startMinute: startMinute, endMinute: endMinute)
    }

    /// A campaign's window from its `HH:MM` texts, never wider than the legal one; nil when
    /// the texts are not clock times or no legal hour is left.
    public static func campaign(start: String, end: String) -> CallingWindow? {
        CallingWindow(start: start, end: end).flatMap(campaign)
    }

    /// A campaign's window, never wider than the legal one.
    public static func campaign(_ window: CallingWindow) -> CallingWindow? {
        let start = max(window.start, legal.start)
        let end = min(window.end, legal.end)
        return start < end ? CallingWindow(startMinute: start, endMinute: end) : nil
    }

    /// Nil when a call of up to `ring` may start at `now` in `zone`; otherwise the next instant
    /// one may. Days are the zone's calendar days, so daylight-saving changes move the instant
    /// with the clock on the wall.
    public func nextStart(after now: Date, in zone: TimeZone, ring: Duration = .seconds(30)) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let ringSeconds = Int(ring.components.seconds)
        let local = calendar.dateComponents([.hour, .minute, .second], from: now)
        let secondOfDay = (local.hour ?? 0) * 3600 + (local.minute ?? 0) * 60 + (local.second ?? 0)
        if secondOfDay >= start * 60 && secondOfDay + ringSeconds <= end * 60 { return nil }

        let today = calendar.startOfDay(for: now)
        let day = secondOfDay < start * 60 ? today : calendar.date(byAdding: .day, value: 1, to: today)!
        return calendar.date(bySettingHour: start / 60, minute: start % 60, second: 0, of: day)!
    }
}
