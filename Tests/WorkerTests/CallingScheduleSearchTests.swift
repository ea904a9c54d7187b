import Foundation
import Testing

@testable import Store

/// `CallingSchedule.next` looks at today and tomorrow first: what it finds must be what the
/// whole horizon finds, for any instant, zones, hours, weekdays and no-call dates.
@Suite struct CallingScheduleSearchTests {
    /// The search over the whole horizon at once, as `next` did before.
    static func wholeHorizon(_ schedule: CallingSchedule, _ now: Date, _ ring: Duration) -> CallingSchedule.Decision {
        var allowed =
            schedule.zones.map { schedule.intervals(in: $0, from: now, ring: ring) }.reduce(nil as [CallingSchedule.Interval]?) {
                common,
                zone in common.map { CallingSchedule.intersect($0, zone) } ?? zone
            } ?? []
        allowed.removeAll { $0.end < now }
        guard let first = allowed.first else { return .none }
        return first.start <= now ? .now : .at(first.start)
    }

    @Test func todayAndTomorrowFirstFindWhatTheWholeHorizonFinds() throws {
        let zoneNames = ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "Pacific/Honolulu", "America/Anchorage"]
        var generator = SystemRandomNumberGenerator()
        var found = 0
        for _ in 0..<1_500 {
            let zones = zoneNames.shuffled(using: &generator).prefix(Int.random(in: 1...3, using: &generator)).map { TimeZone(identifier: $0)! }
            let start = Int.random(in: 8 * 60...20 * 60, using: &generator)
            let weekdays = Set((1...7).filter { _ in Bool.random(using: &generator) })
            // Around a change of daylight saving time (2026-11-01) and a new year.
            let now = Date(timeIntervalSince1970: 1_793_000_000 + Double.random(in: 0...(90 * 86_400), using: &generator))
            let day = Calendar(identifier: .gregorian).dateComponents(in: zones[0], from: now.addingTimeInterval(86_400))
            let dates: Set<String> = Bool.random(using: &generator) ? [CallingSchedule.isoDate(day.year!, day.month!, day.day!)] : []
            let rule = CallingRule(
                state: "*",
                startMinute: start,
                endMinute: min(21 * 60, start + Int.random(in: 1...300, using: &generator)),
                weekdays: weekdays,
                noCallDates: dates
            )
            let schedule = CallingSchedule(window: .legal, rules: [rule], zones: zones)
            let ring = Duration.seconds(Int.random(in: 0...120, using: &generator))
            let decision = schedule.next(after: now, ring: ring)
            #expect(decision == Self.wholeHorizon(schedule, now, ring), "\(now) \(zones.map(\.identifier)) \(rule) \(ring)")
            if decision != .none { found += 1 }
        }
        #expect(found > 500)
        #expect(CallingSchedule.isoDate(987, 3, 7) == "0987-03-07")
    }
}
