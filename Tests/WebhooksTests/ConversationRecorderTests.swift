import Foundation
import PostgresNIO
import Store
import TestSupport
import Testing
import Voice
import Webhooks

/// What a call said and an opt-out heard on it reach Postgres whatever fails on the way: a
/// write that fails is retried, then handed to a durable job; an outage outlasting the quick
/// tries is waited out; an entry Postgres refuses does not hold back the others; a NUL from a
/// model's reply is cleaned. Faults are real: triggers that make Postgres refuse.
@Suite struct ConversationRecorderTests {
    static func entry(_ seq: Int, _ text: String, endMs: Int? = nil) -> TranscriptEntry {
        TranscriptEntry(seq: seq, speaker: seq % 2 == 0 ? .agent : .callee, text: text, startMs: seq * 1000, endMs: endMs ?? seq * 1000 + 900)
    }

    static func recorder(_ db: Database, _ attempt: UUID, quickTries: Int = 3, keepTrying: Duration = .seconds(30)) -> ConversationRecorder {
        var persistence = ConversationRecorder.Persistence()
        persistence.quickTries = quickTries
        persistence.firstWait = .milliseconds(50)
        persistence.longestWait = .milliseconds(500)
        persistence.keepTrying = keepTrying
        return ConversationRecorder(
            streams: MediaStreamStore(database: db),
            callSID: "CA1",
            attemptID: attempt,
            metrics: WebhookMetrics(),
            persistence: persistence,
            logger: TestDatabase.testLogger
        )
    }

    /// Makes Postgres refuse inserts into `table` (a serialization failure, which a retry may
    /// cure): the first `times` of them, or (`for`) every one for that long from now. Returns
    /// when the outage ends.
    @discardableResult
    static func injectFaults(_ db: Database, on table: String, times: Int? = nil, for outage: Duration? = nil) async throws -> Date {
        let end = Date().addingTimeInterval(outage?.seconds ?? 0)
        let format = ISO8601DateFormatter()
        format.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        try await db.execute("CREATE SEQUENCE IF NOT EXISTS dialer.test_faults")
        try await db.execute(
            PostgresQuery(
                unsafeSQL: """
                    CREATE OR REPLACE FUNCTION dialer.test_fault() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN
                        IF nextval('dialer.test_faults') <= \(times ?? 0)
                           OR clock_timestamp() < '\(format.string(from: end))'::timestamptz THEN
                            RAISE EXCEPTION 'injected fault' USING ERRCODE = '40001';
                        END IF;
                        RETURN NEW;
                    END $$
                    """
            )
        )
        try await db.execute(
            PostgresQuery(unsafeSQL: "CREATE TRIGGER test_fault BEFORE INSERT ON dialer.\(table) FOR EACH ROW EXECUTE FUNCTION dialer.test_fault()")
        )
        return end
    }

    @Test func anOptOutWhoseFirstWriteFailsStillReachesTheDNCList() async throws {
        try await TestDatabase.withFresh { db, _ in
            let (contact, attempt) = try await db.firstAttempt()
            try await Self.injectFaults(db, on: "dnc", times: 1)
            let recorder = Self.recorder(db, attempt)
            recorder.record(Self.entry(0, "opening"))
            recorder.recordOptOut()
            // The DNC row comes while the call goes on, not at its end.
            let listed = try await eventually(timeout: .seconds(10)) {
                try await db.scalar("SELECT count(*)::int FROM dialer.dnc WHERE phone_e164 = '+14155550123'", as: Int.self) == 1
            }
            #expect(listed)
            await recorder.finish()
            #expect(try await db.scalar("SELECT opted_out_at IS NOT NULL FROM dialer.contacts WHERE id = \(contact)", as: Bool.self))
            #expect(try await db.scalar("SELECT count(*)::int FROM dialer.jobs WHERE kind = 'record_conversation'", as: Int.self) == 0)
        }
    }

    @Test func aCallbackWhoseFirstWriteFailsIsStillScheduledWhileTheCallGoesOn() async throws {
        try await TestDatabase.withFresh { db, _ in
            let (contact, attempt) = try await db.firstAttempt()
            try await Self.injectFaults(db, on: "jobs", times: 1)
            let recorder = Self.recorder(db, attempt)
            let from = Date(timeIntervalSince1970: 1_796_752_800)
            recorder.recordCallback(ScheduledCallback(from: from, until: from.addingTimeInterval(18_000), timeZone: "America/Chicago"))
            let scheduled = try await eventually(timeout: .seconds(10)) {
                try await db.scalar("SELECT count(*)::int FROM dialer.jobs WHERE kind = 'place_call' AND run_at = \(from)", as: Int.self) == 1
            }
            #expect(scheduled)
            await recorder.finish()
            #expect(try await db.scalar("SELECT callback_at FROM dialer.contacts WHERE id = \(contact)", as: Date?.self) == from)
            #expect(try await db.scalar("SELECT count(*)::int FROM dialer.jobs WHERE kind = 'record_conversation'", as: Int.self) == 0)
        }
    }

    @Test func whatCannotBeWrittenIsHandedToADurableJob() async throws {
        try await TestDatabase.withFresh { db, _ in
            let (_, attempt) = try await db.firstAttempt()
            try await Self.injectFaults(db, on: "dnc", times: 1_000)
            try await Self.injectFaults(db, on: "transcript_entries", times: 1_000)
            let recorder = Self.recorder(db, attempt, quickTries: 2, keepTrying: .seconds(5))
            recorder.record(Self.entry(0, "opening"))
            recorder.record(Self.entry(1, "stop calling me"))
            recorder.recordOptOut()
            await recorder.finish()
            let handedOff = try await db.rows(
                "SELECT args->>'callSID', (args->>'optOut')::bool, jsonb_array_length(args->'entries') FROM dialer.jobs WHERE kind = 'record_conversation'",
                as: (String, Bool, Int).self
            )
            #expect(handedOff.map { "\($0.0) \($0.1) \($0.2)" } == ["CA1 true 2"])
            #expect(try await db.scalar("SELECT count(*)::int FROM dialer.dnc", as: Int.self) == 0)
        }
    }

    @Test func theLastEntriesOutliveAnOutageLongerThanTheQuickTries() async throws {
        try await TestDatabase.withFresh { db, _ in
            let (_, attempt) = try await db.firstAttempt()
            // Every insert into transcript_entries and jobs fails for 3 s: the quick tries
            // (150 ms here) and the hand-off both fail, and the recorder waits it out.
            let outageEnds = try await Self.injectFaults(db, on: "transcript_entries", for: .seconds(3))
            try await db.execute("CREATE TRIGGER test_fault BEFORE INSERT ON dialer.jobs FOR EACH ROW EXECUTE FUNCTION dialer.test_fault()")
            let recorder = Self.recorder(db, attempt)
            for seq in 0..<4 { recorder.record(Self.entry(seq, "line \(seq)")) }
            await recorder.finish()
            // It kept at it past the outage (the old recorder gave up after 0.6 s).
            #expect(Date() >= outageEnds)
            // Written once Postgres was back, or, when the outage ended between a failed write
            // and the hand-off that followed it, handed to a job whole: never lost.
            let rows = try await db.rows("SELECT seq FROM dialer.transcript_entries WHERE call_sid = 'CA1' ORDER BY seq", as: Int.self)
            let handedOff = try await db.rows(
                "SELECT jsonb_array_length(args->'entries') FROM dialer.jobs WHERE kind = 'record_conversation'",
                as: Int.self
            )
            #expect((rows == [0, 1, 2, 3] && handedOff.isEmpty) || (rows.isEmpty && handedOff == [4]), "rows \(rows), handed off \(handedOff)")
        }
    }

    @Test func oneBadEntryDoesNotBlockTheRestAndNULIsCleaned() async throws {
        try await TestDatabase.withFresh { db, _ in
            let (_, attempt) = try await db.firstAttempt()
            let recorder = Self.recorder(db, attempt)
            recorder.record(Self.entry(0, "opening"))
            // An end past what an integer column holds: Postgres refuses this row for good.
            recorder.record(Self.entry(1, "too long", endMs: Int(Int32.max) + 10))
            recorder.record(Self.entry(2, "a model's reply\u{0} with a NUL"))
            recorder.record(Self.entry(3, "after"))
            await recorder.finish()
            let rows = try await db.rows(
                "SELECT seq, text FROM dialer.transcript_entries WHERE call_sid = 'CA1' ORDER BY seq",
                as: (Int, String).self
            )
            #expect(rows.map(\.0) == [0, 2, 3])
            #expect(rows.first { $0.0 == 2 }?.1 == "a model's reply with a NUL")
        }
    }
}
