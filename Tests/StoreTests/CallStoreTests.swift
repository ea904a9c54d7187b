import Foundation
import PostgresNIO
import Store
import TestSupport
import Testing

@Suite struct CallStoreTests {
    /// An active campaign, one contact, and one attempt Twilio accepted as CA1 (unless `placed` is false).
    static func attempt(_ db: Database, placed: Bool = true) async throws -> (contact: Int64, attempt: UUID) {
        try await db.firstAttempt(placed: placed)
    }

    static func event(_ attempt: UUID?, _ sequence: Int, _ status: String, sid: String = "CA1") -> CallStatusEvent {
        var event = CallStatusEvent(
            callSID: sid,
            attemptID: attempt,
            sequenceNumber: sequence,
            status: status,
            parameters: ["CallSid": sid, "CallStatus": status, "SequenceNumber": "\(sequence)"]
        )
        if event.isTerminal {
            event.durationSeconds = status == "completed" ? 42 : 0
            event.sipResponseCode = status == "completed" ? 200 : 486
        }
        return event
    }

    static func lifecycle(_ attempt: UUID) -> [CallStatusEvent] {
        var completed = event(attempt, 3, "completed")
        completed.answeredBy = "human"
        return [event(attempt, 0, "initiated"), event(attempt, 1, "ringing"), event(attempt, 2, "in-progress"), completed]
    }

    static func finalState(_ db: Database) async throws -> String {
        try await db.scalar(
            """
            SELECT concat_ws(' ', c.status, c.sequence_number, c.duration_seconds, c.sip_response_code, c.answered_by,
                             c.answered_at IS NOT NULL, c.ended_at IS NOT NULL, a.ended_at IS NOT NULL, k.outcome,
                             (SELECT count(*) FROM dialer.call_events), (SELECT count(*) FROM dialer.jobs WHERE kind = 'finalize_call'))
            FROM dialer.calls AS c JOIN dialer.call_attempts AS a ON a.id = c.attempt_id JOIN dialer.contacts AS k ON k.id = a.contact_id
            """,
            as: String.self
        )
    }

    @Test func aFullLifecycleEndsWithTheRightRowsAndOneFinalizeJob() async throws {
        try await TestDatabase.withFresh { db, _ in
            let (_, attempt) = try await Self.attempt(db)
            let store = CallStore(database: db)
            var results: [CallStatusResult] = []
            for event in Self.lifecycle(attempt) { results.append(try await store.record(event)) }
            #expect(
                results.dropLast() == [.recorded(moved: true, ended: nil), .recorded(moved: true, ended: nil), .recorded(moved: true, ended: nil)]
            )
            guard case .recorded(true, let ended?) = results.last else {
                Issue.record("\(results)")
                return
            }
            #expect(ended.decision == .final(outcome: "answered"))
            #expect(try await Self.finalState(db) == "completed 3 42 200 human t t t answered 4 1")
            let finalize = try await db.scalar(
                """
                SELECT j.unique_key || ' ' || (j.args->>'callSID') || ' ' || extract(epoch FROM j.run_at - a.ended_at)::int
                FROM dialer.jobs AS j, dialer.call_attempts AS a WHERE j.kind = 'finalize_call'
                """,
                as: String.self
            )
            #expect(finalize == "finalize:CA1 CA1 10")  // a grace after the call ended
            // The call's Task sync is made with its end, pending, due with the finalize job.
            let sync = try await db.scalar(
                """
                SELECT s.state || ' ' || (s.attempt_id = a.id) || ' ' || extract(epoch FROM s.ready_at - a.ended_at)::int
                FROM dialer.task_syncs AS s, dialer.call_attempts AS a WHERE s.call_sid = 'CA1'
                """,
                as: String.self
            )
            #expect(sync == "pending true 10")
        }
    }

    @Test func duplicatedAndShuffledCallbacksGiveTheSameFinalState() async throws {
        for seed in 0..<4 {
            try await TestDatabase.withFresh { db, _ in
                let (_, attempt) = try await Self.attempt(db)
                let store = CallStore(database: db)
                var generator = SeededGenerator(seed: UInt64(seed))
                let events = (Self.lifecycle(attempt) + Self.lifecycle(attempt)).shuffled(using: &generator)
                var results: [CallStatusResult] = []
                for event in events { results.append(try await store.record(event)) }
                #expect(results.filter { $0 == .duplicate }.count == 4, "seed \(seed): \(results)")
                #expect(try await Self.finalState(db) == "completed 3 42 200 human t t t answered 4 1", "seed \(seed)")
            }
        }
    }

    @Test func aBusyCallSchedulesTheNextAttemptAfterThePolicysDelay() async throws {
        try await TestDatabase.withFresh { db, _ in
            let (contact, attempt) = try await Self.attempt(db)
            let result = try await CallStore(database: db).record(Self.event(attempt, 3, "busy"))
            #expect(result == .recorded(moved: true, ended: CallEnding(contactID: contact, decision: .retry(after: .seconds(600)))))
            let next = try await db.scalar(
                """
                SELECT j.unique_key || ' ' || extract(epoch FROM j.run_at - a.ended_at)::int
                FROM dialer.jobs AS j, dialer.call_attempts AS a WHERE j.kind = 'place_call'
                """,
                as: String.self
            )
            #expect(next == "place_call:\(contact):2 600")  // from the instant the call ended
            #expect(try await db.scalar("SELECT outcome FROM dialer.contacts", as: String?.self) == nil)
        }
    }

    @Test(arguments: [
        ("failed", 404, RetryPolicy.Decision.final(outcome: "failed")), ("failed", 503, .retry(after: .seconds(900))),
        ("no-answer", 487, .retry(after: .seconds(3600))), ("canceled", 487, .final(outcome: "canceled")),
    ])
    func howACallEndsDecidesTheContactsNextStep(status: String, sip: Int, decision: RetryPolicy.Decision) async throws {
        try await TestDatabase.withFresh { db, _ in
            let (_, attempt) = try await Self.attempt(db)
            var event = Self.event(attempt, 2, status)
            event.sipResponseCode = sip
            guard case .recorded(true, let ended?) = try await CallStore(database: db).record(event) else {
                Issue.record("not ended")
                return
            }
            #expect(ended.decision == decision)
        }
    }

    @Test func aMachineFollowsTheVoicemailPolicy() async throws {
        try await TestDatabase.withFresh { db, _ in
            let (_, attempt) = try await Self.attempt(db)
            var completed = Self.event(attempt, 3, "completed")
            completed.answeredBy = "machine_end_beep"
            try await db.execute("UPDATE dialer.campaigns SET voicemail_policy = 'leave_message'")
            guard case .recorded(true, let ended?) = try await CallStore(database: db).record(completed) else {
                Issue.record("not ended")
                return
            }
            #expect(ended.decision == .final(outcome: "voicemail_left"))
        }
    }

    @Test func aLateOrDuplicateCallbackIsRecordedAndChangesNothing() async throws {
        try await TestDatabase.withFresh { db, _ in
            let (_, attempt) = try await Self.attempt(db)
            let store = CallStore(database: db)
            _ = try await store.record(Self.event(attempt, 3, "completed"))
            #expect(try await store.record(Self.event(attempt, 2, "in-progress")) == .recorded(moved: false, ended: nil))
            #expect(try await store.record(Self.event(attempt, 2, "in-progress")) == .duplicate)
            #expect(try await db.scalar("SELECT status FROM dialer.calls", as: String.self) == "completed")
            #expect(try await db.scalar("SELECT count(*)::int FROM dialer.call_events", as: Int.self) == 2)
        }
    }

    @Test func aCallbackSettlesAnAttemptItsWorkerNeverRecordedAndAnUnknownOneIsAnOrphan() async throws {
        try await TestDatabase.withFresh { db, _ in
            let (contact, attempt) = try await Self.attempt(db, placed: false)
            let store = CallStore(database: db)
            #expect(try await store.record(Self.event(attempt, 0, "initiated", sid: "CA9")) == .recorded(moved: true, ended: nil))
            #expect(try await db.scalar("SELECT state || ' ' || call_sid FROM dialer.call_attempts", as: String.self) == "placed CA9")
            #expect(try await db.scalar("SELECT attempts FROM dialer.contacts WHERE id = \(contact)", as: Int.self) == 1)

            #expect(try await store.record(Self.event(UUID(), 0, "initiated", sid: "CA404")) == .orphan)
            #expect(try await store.record(Self.event(nil, 1, "ringing", sid: "CA405")) == .orphan)
            // An attempt id that belongs to another call is no proof either.
            #expect(try await store.record(Self.event(attempt, 0, "initiated", sid: "CA406")) == .orphan)
            #expect(try await db.scalar("SELECT count(*)::int FROM dialer.call_events WHERE orphan", as: Int.self) == 3)
            #expect(try await db.scalar("SELECT count(*)::int FROM dialer.calls", as: Int.self) == 1)
        }
    }
}
