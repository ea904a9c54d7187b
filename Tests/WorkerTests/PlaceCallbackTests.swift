import Foundation
import Store
import TestSupport
import Testing
import Worker

/// A callback the callee asked for is a call of its own: placed although the contact had its
/// `max_attempts` calls, and stopped like any call by the DNC list.
@Suite struct PlaceCallbackTests {
    @Test func aCallbackIsPlacedAfterTheContactHadItsCalls() async throws {
        try await Dialing.with(contacts: 1) { dialing in
            let contact = dialing.contacts[0]
            let asked = try await Self.firstCall(dialing)
            try await dialing.db.execute("UPDATE dialer.campaigns SET max_attempts = 1")

            // Another ordinary call would not go out: the contact had its one call.
            _ = try await dialing.enqueue(contact)
            #expect(try await dialing.runOnce(dialing.handler()) == .cancelled(reason: "the contact had its 1 calls"))

            // The callee asked to be called back: the callback's job is due at once here.
            let from = Date().addingTimeInterval(-1)
            let job = try await MediaStreamStore(database: dialing.db).recordCallback(
                ScheduledCallback(from: from, until: from.addingTimeInterval(3600), timeZone: "America/New_York"),
                attemptID: asked.id
            )
            #expect(job != nil)
            #expect(try await dialing.runOnce(dialing.handler()) == .completed)
            #expect(dialing.sandbox.calls.count == 2)
            #expect(try await dialing.attempts(contact).map(\.attemptNumber).sorted() == [1, 2])
        }
    }

    @Test func aCallbackToANumberThatOptedOutIsNotPlaced() async throws {
        try await Dialing.with(contacts: 1) { dialing in
            let asked = try await Self.firstCall(dialing)
            let from = Date().addingTimeInterval(-1)
            try await MediaStreamStore(database: dialing.db).recordCallback(
                ScheduledCallback(from: from, until: from.addingTimeInterval(3600), timeZone: "America/New_York"),
                attemptID: asked.id
            )
            // Later in the same call: "stop calling me".
            #expect(try await MediaStreamStore(database: dialing.db).recordOptOut(callSID: asked.callSID ?? "", attemptID: asked.id))
            #expect(try await dialing.runOnce(dialing.handler()) == .cancelled(reason: "the number is on the DNC list"))
            #expect(dialing.sandbox.calls.count == 1)
        }
    }

    /// The contact's first call, placed: the one its callee asks on.
    static func firstCall(_ dialing: Dialing) async throws -> CallAttempt {
        try await dialing.enqueue(dialing.contacts[0])
        #expect(try await dialing.runOnce(dialing.handler()) == .completed)
        return try #require(try await dialing.attempts(dialing.contacts[0]).first)
    }
}
