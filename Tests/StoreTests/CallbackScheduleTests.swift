import Foundation
import PostgresNIO
import Queue
import TestSupport
import Testing

@testable import Store

/// A callback a callee asked for (`dialer.schedule_callback`): on the call's attempt and its
/// contact, its place_call due when the window opens, written once however often it is
/// retried; the contact has no outcome until the callback's own call ends.
@Suite struct CallbackScheduleTests {
    static let from = Date(timeIntervalSince1970: 1_796_000_000)
    static let callback = ScheduledCallback(from: from, until: from.addingTimeInterval(5 * 3600), timeZone: "America/Chicago")

    @Test func aCallbackIsRecordedAndItsCallQueuedOnce() async throws {
        try await TestDatabase.withFresh { db, _ in
            let (contact, attempt) = try await db.firstAttempt(callSID: "CA1")
            let store = MediaStreamStore(database: db)
            let job = try #require(try await store.recordCallback(Self.callback, attemptID: attempt))
            // Retried by the media service, or written again by a record_conversation job.
            #expect(try await store.recordCallback(Self.callback, attemptID: attempt) == job)
            #expect(try await store.recordCallback(Self.callback, attemptID: UUID()) == nil)

            let jobs = try await db.rows(
                "SELECT id, kind, unique_key, run_at, args::text FROM dialer.jobs WHERE kind = 'place_call'",
                as: (Int64, String, String, Date, String).self
            )
            #expect(jobs.count == 1)
            let queued = try #require(jobs.first)
            #expect(queued.0 == job && queued.2 == PlaceCallArgs.callbackKey(attemptID: attempt) && queued.3 == Self.from)
            let args = try JSONDecoder().decode(PlaceCallArgs.self, from: Data(queued.4.utf8))
            #expect(args.contactID == contact && args.callbackFor == attempt)

            let onContact = try await db.rows(
                "SELECT callback_at, callback_until FROM dialer.contacts WHERE id = \(contact)",
                as: (Date?, Date?).self
            )
            #expect(onContact.first?.0 == Self.callback.from && onContact.first?.1 == Self.callback.until)
            let onAttempt = try await db.scalar(
                "SELECT concat_ws(' ', extract(epoch FROM callback_from)::bigint, extract(epoch FROM callback_until)::bigint, callback_time_zone) FROM dialer.call_attempts WHERE id = \(attempt)",
                as: String.self
            )
            #expect(onAttempt == "1796000000 1796018000 America/Chicago")
            let listed = try await db.rows("SELECT contact_id, asked_on_call, job_id FROM dialer.callbacks", as: (Int64, String?, Int64?).self)
            #expect(listed.count == 1 && listed.first?.0 == contact && listed.first?.1 == "CA1" && listed.first?.2 == job)
        }
    }

    /// The call that asked ends answered: the contact keeps no outcome, so its campaign is not
    /// over; a written-late callback (the call had ended) takes the outcome back.
    @Test func theContactHasNoOutcomeUntilItsCallbackIsOver() async throws {
        try await TestDatabase.withFresh { db, _ in
            let (contact, attempt) = try await db.firstAttempt(callSID: "CA1")
            let store = MediaStreamStore(database: db)
            let soon = ScheduledCallback(from: Date().addingTimeInterval(86_400), until: Date().addingTimeInterval(90_000), timeZone: "UTC")
            try await store.recordCallback(soon, attemptID: attempt)
            func end() async throws -> String? {
                try await db.execute(
                    """
                    SELECT dialer.end_calls(ARRAY[\(contact)]::bigint[], ARRAY[NULL]::bigint[], ARRAY[]::text[], ARRAY[dialer.place_call_key(\(contact), 2)],
                                            ARRAY[-1]::float8[], ARRAY['answered'], 'place_call', 'finalize_call', 0)
                    """
                )
                return try await db.scalar("SELECT outcome FROM dialer.contacts WHERE id = \(contact)", as: String?.self)
            }
            #expect(try await end() == nil)

            try await db.execute("UPDATE dialer.contacts SET outcome = 'answered' WHERE id = \(contact)")
            try await store.recordCallback(soon, attemptID: attempt)
            #expect(try await db.scalar("SELECT outcome FROM dialer.contacts WHERE id = \(contact)", as: String?.self) == nil)

            // The callback's own call: due, so its end gives the outcome.
            try await db.execute("UPDATE dialer.contacts SET callback_at = now() - interval '1 minute' WHERE id = \(contact)")
            #expect(try await end() == "answered")
        }
    }

    /// The stream's binding carries what the agent needs to fit a callback in: the contact's
    /// zones, its campaign's hours, and the calling rules of its states.
    @Test func theBindingCarriesTheContactsCallingSchedule() async throws {
        try await TestDatabase.withFresh { db, _ in
            let (contact, attempt) = try await db.firstAttempt(callSID: "CA1")
            try await db.execute(
                """
                UPDATE dialer.contacts SET time_zone = 'America/Chicago', time_zones = '{America/Chicago,America/Denver}', calling_states = '{TX}'
                WHERE id = \(contact)
                """
            )
            try await db.execute("UPDATE dialer.campaigns SET window_start = '10:00', window_end = '22:00'")
            try await db.execute(
                "INSERT INTO dialer.calling_rules (state, start_time, end_time, weekdays) VALUES ('TX', '09:00', '20:00', '{1,2,3,4,5}')"
            )
            try await db.execute("INSERT INTO dialer.calling_rules (state, start_time) VALUES ('CA', '12:00')")
            let campaign = try await db.scalar("SELECT campaign_id FROM dialer.contacts WHERE id = \(contact)", as: Int64.self)
            let bound = try await MediaStreamStore(database: db).streamStarted(
                streamSID: "MZ1",
                callSID: "CA1",
                attemptID: attempt,
                contactID: contact,
                campaignID: campaign
            )
            let schedule = try #require(bound?.callingSchedule)
            #expect(schedule.zones.map(\.identifier) == ["America/Chicago", "America/Denver"])
            #expect(schedule.window == CallingWindow(startMinute: 10 * 60, endMinute: 21 * 60))
            #expect(schedule.rules.map(\.state).sorted() == ["*", "TX"])
            let combined = schedule.combined
            #expect(combined.start == 10 * 60 && combined.end == 20 * 60 && combined.weekdays == [1, 2, 3, 4, 5])
        }
    }
}
