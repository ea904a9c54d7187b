import Foundation
import Store
import Testing
import Worker

/// The calling window across every zone a contact may be in, and the calling rules.
/// 2026-11-25 is a Wednesday; New York is UTC-5, Chicago UTC-6, Los Angeles UTC-8.
@Suite struct CallingWindowScheduleTests {
    static func instant(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }
    static func zones(_ identifiers: String...) -> [TimeZone] { identifiers.map { TimeZone(identifier: $0)! } }

    static let panhandle = CallingSchedule(window: .legal, zones: zones("America/New_York", "America/Chicago"))
    static let movedToCalifornia = CallingSchedule(window: .legal, zones: zones("America/Los_Angeles", "America/New_York"))

    @Test func aPanhandleNumberWithAFloridaAddressIsNotCalledAt0830EasternNorAt2030Central() {
        // 08:30 Eastern is 07:30 Central: wait for 08:00 Central, 09:00 Eastern.
        #expect(Self.panhandle.next(after: Self.instant("2026-11-25T13:30:00Z")) == .at(Self.instant("2026-11-25T14:00:00Z")))
        // 20:30 Central is 21:30 Eastern: the next morning, 09:00 Eastern.
        #expect(Self.panhandle.next(after: Self.instant("2026-11-26T02:30:00Z")) == .at(Self.instant("2026-11-26T14:00:00Z")))
        // 19:59 Central, 20:59 Eastern: a 30-second ring still ends by 21:00 Eastern.
        #expect(Self.panhandle.next(after: Self.instant("2026-11-26T01:59:00Z")) == .now)
        #expect(Self.panhandle.next(after: Self.instant("2026-11-26T01:59:45Z")) == .at(Self.instant("2026-11-26T14:00:00Z")))
    }

    @Test func aNewYorkNumberWithACaliforniaAddressWaitsFor0800PacificAndEndsAt2100Eastern() {
        // 10:30 Eastern is 07:30 Pacific.
        #expect(Self.movedToCalifornia.next(after: Self.instant("2026-11-25T15:30:00Z")) == .at(Self.instant("2026-11-25T16:00:00Z")))
        #expect(Self.movedToCalifornia.next(after: Self.instant("2026-11-25T16:00:00Z")) == .now)
        #expect(Self.movedToCalifornia.next(after: Self.instant("2026-11-26T01:50:00Z")) == .now)  // 20:50 Eastern
        // 21:00 Eastern is 18:00 Pacific: not until 08:00 Pacific tomorrow.
        #expect(Self.movedToCalifornia.next(after: Self.instant("2026-11-26T02:00:00Z")) == .at(Self.instant("2026-11-26T16:00:00Z")))
    }

    @Test func aStateRuleNarrowsTheHoursAndLeavesOutSundays() {
        let texas = CallingRule(state: "TX", startMinute: 9 * 60, endMinute: 20 * 60, weekdays: [1, 2, 3, 4, 5, 6])
        let schedule = CallingSchedule(window: .legal, rules: [CallingRule(state: "*"), texas], zones: Self.zones("America/Chicago"))
        // Wednesday 08:30 Central: 09:00.
        #expect(schedule.next(after: Self.instant("2026-11-25T14:30:00Z")) == .at(Self.instant("2026-11-25T15:00:00Z")))
        // Wednesday 20:00 Central: Thursday 09:00.
        #expect(schedule.next(after: Self.instant("2026-11-26T02:00:00Z")) == .at(Self.instant("2026-11-26T15:00:00Z")))
        // Saturday 20:30 Central: not Sunday, Monday 09:00.
        #expect(schedule.next(after: Self.instant("2026-11-29T02:30:00Z")) == .at(Self.instant("2026-11-30T15:00:00Z")))
        // Sunday noon: Monday 09:00.
        #expect(schedule.next(after: Self.instant("2026-11-29T18:00:00Z")) == .at(Self.instant("2026-11-30T15:00:00Z")))
    }

    @Test func aNoCallDateIsTheCalleesLocalDate() {
        let christmas = CallingRule(state: "*", noCallDates: ["2026-12-25"])
        let schedule = CallingSchedule(window: .legal, rules: [christmas], zones: Self.zones("America/Los_Angeles"))
        // 19:00 on the 24th in Los Angeles is already the 25th in UTC: still callable.
        #expect(schedule.next(after: Self.instant("2026-12-25T03:00:00Z")) == .now)
        // 22:00 on the 24th: not on the 25th, 08:00 on the 26th.
        #expect(schedule.next(after: Self.instant("2026-12-25T06:00:00Z")) == .at(Self.instant("2026-12-26T16:00:00Z")))
        // In two zones, the holiday ends only when it has ended in both.
        let both = CallingSchedule(window: .legal, rules: [christmas], zones: Self.zones("America/Los_Angeles", "Pacific/Honolulu"))
        #expect(both.next(after: Self.instant("2026-12-25T20:00:00Z")) == .at(Self.instant("2026-12-26T18:00:00Z")))
    }

    @Test func withNoDayAllowedOrNoSharedHoursThereIsNoInstant() {
        let never = CallingRule(state: "*", weekdays: [])
        #expect(
            CallingSchedule(window: .legal, rules: [never], zones: Self.zones("America/Chicago")).next(after: Self.instant("2026-11-25T18:00:00Z"))
                == .none
        )
        // A two-hour campaign window in zones five hours apart.
        let morning = CallingWindow(startMinute: 8 * 60, endMinute: 10 * 60)
        #expect(
            CallingSchedule(window: morning, zones: Self.zones("America/New_York", "Pacific/Honolulu")).next(
                after: Self.instant("2026-11-25T18:00:00Z")
            ) == .none
        )
        #expect(CallingSchedule(window: .legal, zones: []).next(after: Self.instant("2026-11-25T18:00:00Z")) == .none)
        // After 21:00 on Monday, Nov 30: thirteen no-call days are searched past, fourteen are
        // beyond the horizon.
        func closed(_ days: Int) -> CallingSchedule {
            let dates = (1...days).map { String(format: "2026-12-%02d", $0) }
            return CallingSchedule(window: .legal, rules: [CallingRule(state: "*", noCallDates: Set(dates))], zones: Self.zones("America/Chicago"))
        }
        #expect(closed(13).next(after: Self.instant("2026-12-01T03:30:00Z")) == .at(Self.instant("2026-12-14T14:00:00Z")))
        #expect(closed(14).next(after: Self.instant("2026-12-01T03:30:00Z")) == .none)
    }

    @Test func daylightSavingTimeMovesEachZonesMorningWithItsClock() {
        // 2026-03-08: the US springs forward; Honolulu does not. 07:00 in Los Angeles (PDT,
        // UTC-7) is 04:00 in Honolulu: the call waits for 08:00 Honolulu, 18:00Z.
        let schedule = CallingSchedule(window: .legal, zones: Self.zones("America/Los_Angeles", "Pacific/Honolulu"))
        #expect(schedule.next(after: Self.instant("2026-03-08T14:00:00Z")) == .at(Self.instant("2026-03-08T18:00:00Z")))
    }
}
