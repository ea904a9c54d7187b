import Foundation
import Store
import Testing
import Worker

@Suite struct CallingWindowTests {
    static func instant(_ text: String) -> Date {
        let formatter = ISO8601DateFormatter()
        return formatter.date(from: text)!
    }

    static let losAngeles = TimeZone(identifier: "America/Los_Angeles")!
    static let newYork = TimeZone(identifier: "America/New_York")!

    @Test func aContactAt22LocalWaitsUntil08TheNextDay() {
        // 22:00 in Los Angeles (PST, UTC-8) on 2026-11-24 is 06:00Z on the 25th.
        let next = CallingWindow.legal.nextStart(after: Self.instant("2026-11-25T06:00:00Z"), in: Self.losAngeles)
        #expect(next == Self.instant("2026-11-25T16:00:00Z"))  // 08:00 PST on the 25th
    }

    @Test func beforeTheWindowWaitsForItsStartTheSameDay() {
        // 07:30 in New York (EST, UTC-5).
        #expect(CallingWindow.legal.nextStart(after: Self.instant("2026-11-24T12:30:00Z"), in: Self.newYork) == Self.instant("2026-11-24T13:00:00Z"))
    }

    @Test func insideTheWindowTheCallMayStartNowUnlessItWouldRingPastTheEnd() {
        #expect(CallingWindow.legal.nextStart(after: Self.instant("2026-11-24T17:00:00Z"), in: Self.newYork) == nil)  // 12:00
        #expect(CallingWindow.legal.nextStart(after: Self.instant("2026-11-25T01:59:00Z"), in: Self.newYork) == nil)  // 20:59, 30 s ring
        // 20:59:45: a 30-second ring would end after 21:00.
        #expect(CallingWindow.legal.nextStart(after: Self.instant("2026-11-25T01:59:45Z"), in: Self.newYork) == Self.instant("2026-11-25T13:00:00Z"))
    }

    @Test func theNextMorningFollowsTheClockAcrossDaylightSavingTime() {
        // 2026-03-08: US clocks spring forward. 22:00 PST on the 7th is 06:00Z on the 8th;
        // 08:00 on the 8th is PDT (UTC-7), so 15:00Z, not 16:00Z.
        #expect(
            CallingWindow.legal.nextStart(after: Self.instant("2026-03-08T06:00:00Z"), in: Self.losAngeles) == Self.instant("2026-03-08T15:00:00Z")
        )
        // Honolulu keeps standard time all year.
        let honolulu = TimeZone(identifier: "Pacific/Honolulu")!
        #expect(CallingWindow.legal.nextStart(after: Self.instant("2026-03-08T08:00:00Z"), in: honolulu) == Self.instant("2026-03-08T18:00:00Z"))
    }

    @Test func aCampaignWindowIsNeverWiderThanTheLegalOne() throws {
        let narrow = try #require(CallingWindow(start: "09:30", end: "20:00"))
        #expect(CallingWindow.campaign(narrow) == narrow)
        let wide = try #require(CallingWindow(start: "06:00", end: "23:00"))
        #expect(CallingWindow.campaign(wide) == .legal)
        let night = try #require(CallingWindow(start: "21:30", end: "23:00"))
        #expect(CallingWindow.campaign(night) == nil)
        #expect(CallingWindow(start: "09:00:00", end: "20:00:00") == CallingWindow(startMinute: 540, endMinute: 1200))
        #expect(CallingWindow(start: "20:00", end: "09:00") == nil)
        // A 09:30 campaign window: 08:45 local waits for 09:30.
        #expect(narrow.nextStart(after: Self.instant("2026-11-24T13:45:00Z"), in: Self.newYork) == Self.instant("2026-11-24T14:30:00Z"))
    }
}
