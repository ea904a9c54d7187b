import Foundation
import Store
import TestSupport
import Testing
import Worker

/// PlaceCall at zone edges and under calling rules: the contact rows are as the import
/// writes them, the rules as `dialer rules` does, and the clock is injected.
@Suite struct PlaceCallZonesTests {
    /// Seconds from noon in New York on Wednesday 2026-11-25 (17:00Z).
    static func at(_ offset: Double) -> Date { Dialing.noonInNewYork.addingTimeInterval(offset) }
    static let hour = 3600.0

    static func place(_ dialing: Dialing, zones: [String], states: [String], phone: String = "+18505550100") async throws {
        try await dialing.db.execute(
            """
            UPDATE dialer.contacts SET phone_e164 = \(phone), time_zone = \(zones[0]), time_zones = \(zones),
                   calling_states = \(states), mailing_state = \(states.first)
            WHERE id = \(dialing.contacts[0])
            """
        )
        try await dialing.enqueue(dialing.contacts[0])
    }

    @Test func aPanhandleNumberWithAFloridaAddressIsNotCalledAt0830EasternNorAt2030Central() async throws {
        try await Dialing.with { dialing in
            try await Self.place(dialing, zones: ["America/New_York", "America/Chicago"], states: ["FL"])
            // 08:30 Eastern, 07:30 Central: until 09:00 Eastern.
            #expect(try await dialing.runOnce(dialing.handler(now: Self.at(-3.5 * Self.hour))) == .snoozed(.seconds(1800)))
            try await dialing.makeJobsDue()
            // 20:30 Central, 21:30 Eastern: until 09:00 Eastern tomorrow.
            #expect(try await dialing.runOnce(dialing.handler(now: Self.at(9.5 * Self.hour))) == .snoozed(.seconds(11.5 * Self.hour)))
            #expect(dialing.creates == 0)
            try await dialing.makeJobsDue()
            #expect(try await dialing.runOnce(dialing.handler(now: Self.at(-3 * Self.hour))) == .completed)  // 09:00 Eastern
            #expect(dialing.sandbox.calls.map(\.to) == ["+18505550100"])
        }
    }

    @Test func aNewYorkNumberWithACaliforniaAddressWaitsFor0800PacificAndEndsAt2100Eastern() async throws {
        try await Dialing.with { dialing in
            try await Self.place(dialing, zones: ["America/Los_Angeles", "America/New_York"], states: ["CA", "NY"], phone: Dialing.number(0))
            // 10:30 Eastern, 07:30 Pacific.
            #expect(try await dialing.runOnce(dialing.handler(now: Self.at(-1.5 * Self.hour))) == .snoozed(.seconds(1800)))
            try await dialing.makeJobsDue()
            // 21:00 Eastern, 18:00 Pacific: 08:00 Pacific tomorrow.
            #expect(try await dialing.runOnce(dialing.handler(now: Self.at(9 * Self.hour))) == .snoozed(.seconds(14 * Self.hour)))
            #expect(dialing.creates == 0)
            try await dialing.makeJobsDue()
            #expect(try await dialing.runOnce(dialing.handler(now: Self.at(9 * Self.hour - 120))) == .completed)  // 20:58 Eastern
        }
    }

    @Test func aStatesRuleItsWeekdaysAndTheHolidaysOfTheStarRuleHoldTheCall() async throws {
        try await Dialing.with { dialing in
            try await CallingRuleStore(database: dialing.db).set(state: "TX", hours: (9 * 60, 20 * 60), withoutWeekdays: [7])
            try await CallingRuleStore(database: dialing.db).addNoCallDates(["2026-11-26"])
            try await Self.place(dialing, zones: ["America/Chicago"], states: ["TX"])
            // Wednesday 08:30 Central: the federal window is open, Texas's is not until 09:00.
            #expect(try await dialing.runOnce(dialing.handler(now: Self.at(-2.5 * Self.hour))) == .snoozed(.seconds(1800)))
            try await dialing.makeJobsDue()
            // Thanksgiving noon Central, a no-call date: Friday 09:00.
            #expect(try await dialing.runOnce(dialing.handler(now: Self.at(25 * Self.hour))) == .snoozed(.seconds(21 * Self.hour)))
            try await dialing.makeJobsDue()
            // Sunday noon Central: Monday 09:00.
            let sundayNoon = Self.at(97 * Self.hour)
            #expect(try await dialing.runOnce(dialing.handler(now: sundayNoon)) == .snoozed(.seconds(21 * Self.hour)))
            // A row written before calling_states existed: its mailing state's rule applies.
            try await dialing.db.execute("UPDATE dialer.contacts SET calling_states = '{}', mailing_state = ' tx '")
            try await dialing.makeJobsDue()
            #expect(try await dialing.runOnce(dialing.handler(now: sundayNoon)) == .snoozed(.seconds(21 * Self.hour)))
            // Another state's rule does not: the contact is called on Sunday.
            try await dialing.db.execute("UPDATE dialer.contacts SET calling_states = '{OK}', mailing_state = 'OK'")
            try await dialing.makeJobsDue()
            #expect(try await dialing.runOnce(dialing.handler(now: sundayNoon)) == .completed)
        }
    }

    @Test func zonesWithNoSharedHoursCancelAndRulesThatAllowNoDayWaitADay() async throws {
        try await Dialing.with(contacts: 2) { dialing in
            try await dialing.db.execute("UPDATE dialer.campaigns SET window_start = '08:00', window_end = '10:00'")
            try await Self.place(dialing, zones: ["America/New_York", "Pacific/Honolulu"], states: ["NY", "HI"])
            guard case .cancelled(let reason) = try await dialing.runOnce(dialing.handler()) else {
                Issue.record("zones with no common hours must not wait forever")
                return
            }
            #expect(reason.contains("America/New_York, Pacific/Honolulu") && reason.contains("share no calling hours"), "\(reason)")

            try await dialing.db.execute("UPDATE dialer.campaigns SET window_start = '08:00', window_end = '21:00'")
            try await CallingRuleStore(database: dialing.db).set(state: "NY", weekdays: [])
            try await dialing.db.execute(
                "UPDATE dialer.contacts SET time_zones = '{America/New_York}', calling_states = '{NY}' WHERE id = \(dialing.contacts[1])"
            )
            try await dialing.enqueue(dialing.contacts[1])
            #expect(try await dialing.runOnce(dialing.handler()) == .snoozed(.seconds(86_400)))
            #expect(dialing.creates == 0)
        }
    }
}
