import Foundation
import PostgresNIO
import TestSupport
import Testing

@testable import Store

/// `dialer.record_call_statuses` applies a batch as a set; whatever a batch holds (several
/// calls, duplicates, orphans, attempts the worker never settled, calls ending busy or
/// answered), the outcome of each event and the rows left are those of one at a time.
@Suite struct RecordCallStatusesTests {
    /// `calls` attempts whose CallSids are `<prefix>0`, `<prefix>1`, …; every third is still
    /// `dialing` (the worker died before saving the CallSid).
    static func attempts(_ db: Database, prefix: String, calls: Int) async throws -> [UUID] {
        try await db.execute(
            """
            WITH campaign AS (
                INSERT INTO dialer.campaigns (name, soql, status, from_number) VALUES (\(prefix), 'SELECT Id FROM Contact', 'active', '+14155550100')
                RETURNING id
            ), contact AS (
                INSERT INTO dialer.contacts (campaign_id, salesforce_id, phone_e164)
                SELECT campaign.id, '003SB' || \(prefix) || lpad(g::text, 12, '0'), '+1212555' || lpad(g::text, 4, '0') FROM campaign, generate_series(0, \(calls - 1)) AS g
                RETURNING id, campaign_id, phone_e164
            )
            INSERT INTO dialer.call_attempts (contact_id, campaign_id, attempt_number, state, to_e164, from_e164, call_sid)
            SELECT id, campaign_id, 1, CASE WHEN right(phone_e164, 4)::int % 3 = 0 THEN 'dialing' ELSE 'placed' END,
                   phone_e164, '+14155550100',
                   CASE WHEN right(phone_e164, 4)::int % 3 = 0 THEN NULL ELSE \(prefix) || (right(phone_e164, 4)::int) END
            FROM contact
            """
        )
        return try await db.scalar(
            "SELECT array_agg(a.id ORDER BY k.phone_e164) FROM dialer.call_attempts a JOIN dialer.contacts k ON k.id = a.contact_id JOIN dialer.campaigns c ON c.id = a.campaign_id WHERE c.name = \(prefix)",
            as: [UUID].self
        )
    }

    /// Every call's callbacks (answered, busy or no answer), each sent twice, some without
    /// the attempt id, and orphans, shuffled.
    static func callbacks(prefix: String, attempts: [UUID], using generator: inout SeededGenerator) -> [CallStatusEvent] {
        var events: [CallStatusEvent] = []
        for (index, attempt) in attempts.enumerated() {
            let sid = "\(prefix)\(index)"
            // A dialing attempt is found only through the URL's attempt id.
            let given: UUID? = index % 3 == 0 || Bool.random(using: &generator) ? attempt : nil
            let ending = ["completed", "busy", "no-answer"][index % 3]
            var lifecycle = [CallStoreTests.event(given, 0, "initiated", sid: sid), CallStoreTests.event(given, 1, "ringing", sid: sid)]
            if ending == "completed" {
                var answered = CallStoreTests.event(given, 2, "in-progress", sid: sid)
                answered.answeredBy = index % 2 == 0 ? "human" : nil
                lifecycle.append(answered)
            }
            var last = CallStoreTests.event(given, lifecycle.count, ending, sid: sid)
            last.answeredBy = index % 4 == 1 ? "machine_start" : nil
            lifecycle.append(last)
            events += lifecycle + lifecycle.filter { _ in Bool.random(using: &generator) }
        }
        events.append(CallStoreTests.event(nil, 0, "initiated", sid: "\(prefix)orphan"))
        events.append(CallStoreTests.event(UUID(), 1, "ringing", sid: "\(prefix)orphan"))
        return events.shuffled(using: &generator)
    }

    /// An outcome with nothing that differs between two copies of one campaign (row ids).
    static func describe(_ applied: CallStatusWriter.Applied) -> String {
        switch applied {
        case .orphan: "orphan"
        case .duplicate: "duplicate"
        case .stale: "stale"
        case .moved: "moved"
        case .ended(let call): "ended after \(call.attempts) \(call.decision)"
        }
    }

    /// The rows a campaign's callbacks left, with its prefix taken out of the CallSids.
    static func rows(_ db: Database, prefix: String) async throws -> String {
        try await db.scalar(
            """
            SELECT concat_ws(E'\n',
                (SELECT string_agg(concat_ws(' ', substr(c.call_sid, 2), c.status, c.sequence_number, c.answered_by, c.duration_seconds,
                                             c.sip_response_code, c.answered_at IS NOT NULL, c.ended_at IS NOT NULL), E'\n' ORDER BY c.call_sid)
                 FROM dialer.calls c WHERE c.call_sid LIKE \(prefix) || '%'),
                (SELECT string_agg(concat_ws(' ', substr(a.call_sid, 2), a.state, a.ended_at IS NOT NULL, k.attempts), E'\n' ORDER BY k.phone_e164)
                 FROM dialer.call_attempts a JOIN dialer.contacts k ON k.id = a.contact_id JOIN dialer.campaigns p ON p.id = a.campaign_id
                 WHERE p.name = \(prefix)),
                (SELECT string_agg(concat_ws(' ', substr(e.call_sid, 2), e.sequence_number, e.status, e.orphan, e.attempt_id IS NOT NULL), E'\n'
                                   ORDER BY e.call_sid, e.sequence_number, e.status)
                 FROM dialer.call_events e WHERE e.call_sid LIKE \(prefix) || '%'))
            """,
            as: String.self
        )
    }

    @Test(arguments: [1, 2, 3, 4, 5] as [UInt64])
    func aBatchInOneStatementEndsAsOneAtATime(seed: UInt64) async throws {
        try await TestDatabase.withFresh { db, _ in
            let writer = CallStatusWriter(database: db, finalizeGrace: .seconds(10))
            let single = try await Self.attempts(db, prefix: "A", calls: 24)
            let batched = try await Self.attempts(db, prefix: "B", calls: 24)
            var generator = SeededGenerator(seed: seed)
            let events = Self.callbacks(prefix: "A", attempts: single, using: &generator)
            // The same callbacks in the same order for the second copy.
            let copies = events.map { event -> CallStatusEvent in
                var copy = event
                copy.callSID = "B" + event.callSID.dropFirst()
                if let given = event.attemptID, let index = single.firstIndex(of: given) { copy.attemptID = batched[index] }
                return copy
            }

            var oneAtATime: [String] = []
            for event in events { oneAtATime.append(Self.describe(try await writer.apply([event], on: nil)[0])) }
            // As the writer sends a batch: by CallSid, each call's callbacks in arrival order.
            let order = copies.indices.sorted { (copies[$0].callSID, $0) < (copies[$1].callSID, $1) }
            let applied = try await writer.apply(order.map { copies[$0] }, on: nil)
            var together = [String](repeating: "", count: copies.count)
            for (position, index) in order.enumerated() { together[index] = Self.describe(applied[position]) }

            #expect(together == oneAtATime, "seed \(seed)")
            #expect(oneAtATime.filter { $0.hasPrefix("ended") }.count == 24)
            let singleRows = try await Self.rows(db, prefix: "A")
            let batchedRows = try await Self.rows(db, prefix: "B")
            #expect(batchedRows == singleRows, "seed \(seed)")
            #expect(singleRows.contains("dialing") == false)
        }
    }
}
