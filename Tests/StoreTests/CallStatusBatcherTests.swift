import Foundation
import PostgresNIO
import TestSupport
import Testing

@testable import Store

/// Callbacks written together: every caller gets its own answer, the rows are those of one at
/// a time, and one bad callback fails alone.
@Suite struct CallStatusBatcherTests {
    /// `calls` placed attempts (CallSids CA0, CA1, …) of one campaign.
    static func placedCalls(_ db: Database, _ calls: Int) async throws -> [UUID] {
        try await db.execute(
            """
            WITH campaign AS (
                INSERT INTO dialer.campaigns (name, soql, status, from_number) VALUES ('batch', 'SELECT Id FROM Contact', 'active', '+14155550100')
                RETURNING id
            ), contact AS (
                INSERT INTO dialer.contacts (campaign_id, salesforce_id, phone_e164)
                SELECT campaign.id, '003SB' || lpad(g::text, 13, '0'), '+1212555' || lpad(g::text, 4, '0') FROM campaign, generate_series(0, \(calls - 1)) AS g
                RETURNING id, campaign_id, phone_e164
            )
            INSERT INTO dialer.call_attempts (contact_id, campaign_id, attempt_number, state, to_e164, from_e164, call_sid)
            SELECT id, campaign_id, 1, 'placed', phone_e164, '+14155550100', 'CA' || (right(phone_e164, 4)::int) FROM contact
            """
        )
        var ids: [UUID] = []
        for index in 0..<calls {
            ids.append(try await db.scalar("SELECT id FROM dialer.call_attempts WHERE call_sid = \("CA\(index)")", as: UUID.self))
        }
        return ids
    }

    @Test func concurrentCallbacksOfManyCallsEndAsIfWrittenOneAtATime() async throws {
        try await TestDatabase.withFresh(maxConnections: 8) { db, _ in
            let attempts = try await Self.placedCalls(db, 60)
            // Two writers for 480 callbacks sent at once: most are written in batches.
            let batcher = CallStatusBatcher(writer: CallStatusWriter(database: db, finalizeGrace: .seconds(10)), maxWriters: 2, maxBatch: 50)
            var events: [CallStatusEvent] = []
            for (index, attempt) in attempts.enumerated() {
                let lifecycle = CallStoreTests.lifecycle(attempt).map { event -> CallStatusEvent in
                    var event = event
                    event.callSID = "CA\(index)"
                    return event
                }
                events += lifecycle + lifecycle  // each callback twice
            }
            let results = try await withThrowingTaskGroup(of: CallStatusResult.self) { group in
                for event in events.shuffled() { group.addTask { try await batcher.record(event) } }
                return try await group.reduce(into: [CallStatusResult]()) { $0.append($1) }
            }
            #expect(results.count == 480)
            #expect(results.filter { $0 == .duplicate }.count == 240)
            // Exactly one callback ended each call, whatever order they came in.
            #expect(results.filter { if case .recorded(true, _?) = $0 { true } else { false } }.count == 60)
            let rows = try await db.scalar(
                """
                SELECT count(*) FILTER (WHERE status = 'completed' AND sequence_number = 3 AND answered_by = 'human')::int
                       || ' ' || (SELECT count(*) FROM dialer.call_events)
                       || ' ' || (SELECT count(*) FROM dialer.jobs WHERE kind = 'finalize_call')
                       || ' ' || (SELECT count(*) FROM dialer.contacts WHERE outcome = 'answered')
                FROM dialer.calls
                """,
                as: String.self
            )
            #expect(rows == "60 240 60 60")
        }
    }

    @Test func aCallbackPostgresRefusesFailsAloneAndTheRestOfItsBatchIsWritten() async throws {
        try await TestDatabase.withFresh(maxConnections: 8) { db, _ in
            let attempts = try await Self.placedCalls(db, 20)
            let batcher = CallStatusBatcher(writer: CallStatusWriter(database: db, finalizeGrace: .seconds(10)), maxWriters: 1, maxBatch: 50)
            // A SequenceNumber beyond Postgres's integer: the whole statement fails on it.
            var bad = CallStoreTests.event(attempts[0], 1, "ringing", sid: "CA0")
            bad.sequenceNumber = Int(Int32.max) + 1
            let good = attempts.enumerated().map { CallStoreTests.event($1, 0, "initiated", sid: "CA\($0)") }
            let outcomes = await withTaskGroup(of: (String, Bool).self) { group in
                for event in good + [bad] {
                    group.addTask { (event.status, (try? await batcher.record(event)) != nil) }
                }
                return await group.reduce(into: [(String, Bool)]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0.0 == "initiated" && $0.1 }.count == 20)
            #expect(outcomes.filter { $0.0 == "ringing" && !$0.1 }.count == 1)
            #expect(try await db.scalar("SELECT count(*)::int FROM dialer.call_events", as: Int.self) == 20)
            #expect(try await db.scalar("SELECT count(*)::int FROM dialer.calls WHERE status = 'initiated'", as: Int.self) == 20)
        }
    }
}

@Suite struct CallEventParametersTests {
    /// Whatever a callback carries is kept as it came, quotes, escapes and all (a NUL, which
    /// jsonb cannot hold, becomes U+FFFD).
    @Test func parametersAreKeptExactlyInCallEvents() async throws {
        try await TestDatabase.withFresh { db, _ in
            let (_, attempt) = try await CallStoreTests.attempt(db)
            var event = CallStoreTests.event(attempt, 0, "initiated")
            let odd = "say \"hi\" \\ back\nthen\ttab \u{1} Zoë 日本 🎉"
            event.parameters["Odd"] = odd
            event.parameters["Nul"] = "a\u{0}b"
            _ = try await CallStore(database: db).record(event)
            #expect(try await db.scalar("SELECT params->>'Odd' FROM dialer.call_events", as: String.self) == odd)
            #expect(try await db.scalar("SELECT params->>'Nul' FROM dialer.call_events", as: String.self) == "a\u{FFFD}b")
            #expect(try await db.scalar("SELECT params->>'CallSid' FROM dialer.call_events", as: String.self) == "CA1")
        }
    }
}
