import Foundation
import PostgresNIO
import Queue
import Sandbox
import Store
import TestSupport
import Testing
import Twilio
import Worker

/// Calls whose status callbacks never arrived (our service was down) are settled from
/// Twilio's Calls resource: the same rows a callback would have left, once.
@Suite struct ReconcileCallsTests {
    @Test func callsWhoseCallbacksNeverArrivedAreSettledFromTwilioOnce() async throws {
        try await Dialing.with(contacts: 2) { dialing in
            dialing.sandbox.script(Dialing.number(0), .busy)
            dialing.sandbox.script(Dialing.number(1), .noAnswer)
            // The callbacks go to a port nothing listens on: none arrives.
            for contact in dialing.contacts {
                try await dialing.enqueue(contact)
                #expect(try await dialing.runOnce(dialing.handler()) == .completed)
            }
            await dialing.sandbox.settle()
            let open: PostgresQuery = "SELECT count(*)::int FROM dialer.call_attempts WHERE state = 'placed' AND ended_at IS NULL"
            #expect(try await dialing.db.scalar(open, as: Int.self) == 2)

            let client = TwilioClient(configuration: dialing.twilio, logger: TestDatabase.testLogger)
            let reconciler = ReconcileCallsHandler(
                database: dialing.db,
                twilio: client,
                quietFor: .zero,
                interval: .seconds(60),
                logger: TestDatabase.testLogger
            )
            let queue = JobQueue(database: dialing.db)
            try await ReconcileCallsHandler.schedule(queue)
            try await ReconcileCallsHandler.schedule(queue)  // every worker schedules it: one job
            #expect(try await dialing.db.scalar("SELECT count(*)::int FROM dialer.jobs WHERE kind = 'reconcile_calls'", as: Int.self) == 1)
            let job = try #require(try await queue.claim(kinds: [ReconcileCallsArgs.kind], limit: 1, owner: "t", lease: .seconds(60)).first)
            #expect(try await reconciler.run(job) == .snoozed(.seconds(60)))

            #expect(try await dialing.db.scalar(open, as: Int.self) == 0)
            let rows = try await dialing.db.rows(
                """
                SELECT c.status, (SELECT count(*) FROM dialer.call_events e WHERE e.call_sid = c.call_sid AND e.params->>'Source' = 'reconcile_calls')::int,
                       (SELECT count(*) FROM dialer.jobs j WHERE j.unique_key = 'finalize:' || c.call_sid)::int,
                       (SELECT count(*) FROM dialer.task_syncs s WHERE s.call_sid = c.call_sid)::int,
                       (SELECT count(*) FROM dialer.jobs j WHERE j.unique_key = 'place_call:' || a.contact_id || ':2')::int
                FROM dialer.calls c JOIN dialer.call_attempts a ON a.id = c.attempt_id ORDER BY a.contact_id
                """,
                as: (String, Int, Int, Int, Int).self
            )
            #expect(rows.map { "\($0.0) \($0.1) \($0.2) \($0.3) \($0.4)" } == ["busy 1 1 1 1", "no-answer 1 1 1 1"])

            // Asked again, Twilio says the same: nothing changes.
            #expect(try await reconciler.run(job) == .snoozed(.seconds(60)))
            #expect(try await dialing.db.scalar("SELECT count(*)::int FROM dialer.call_events", as: Int.self) == 2)
        }
    }

    @Test func aCallStillInProgressOrRecentlyHeardFromIsLeftAlone() async throws {
        try await Dialing.with(contacts: 1) { dialing in
            dialing.sandbox.script(Dialing.number(0), .busy)
            try await dialing.enqueue(dialing.contacts[0])
            #expect(try await dialing.runOnce(dialing.handler()) == .completed)
            await dialing.sandbox.settle()
            let client = TwilioClient(configuration: dialing.twilio, logger: TestDatabase.testLogger)
            let patient = ReconcileCallsHandler(database: dialing.db, twilio: client, quietFor: .seconds(300), logger: TestDatabase.testLogger)
            let queue = JobQueue(database: dialing.db)
            try await ReconcileCallsHandler.schedule(queue)
            let job = try #require(try await queue.claim(kinds: [ReconcileCallsArgs.kind], limit: 1, owner: "t", lease: .seconds(60)).first)
            _ = try await patient.run(job)
            #expect(try await dialing.db.scalar("SELECT count(*)::int FROM dialer.call_events", as: Int.self) == 0, "heard from a moment ago")
            #expect(dialing.sandbox.requests.filter { $0.method == "GET" && $0.path.contains("/Calls/CA") }.isEmpty)
        }
    }
}
