import Foundation
import PostgresNIO
import TestSupport
import Testing

@testable import Store

/// The media stream's rows: a stream binds only to the attempt its parameters truly name,
/// transcript entries are written once, and an opt-out lists the number and marks the contact.
@Suite struct MediaStreamStoreTests {
    @Test func aStreamBindsOnlyToTheAttemptItsParametersName() async throws {
        try await TestDatabase.withFresh { db, _ in
            let (contact, attempt) = try await db.firstAttempt(callSID: "CA1")
            let campaign = try await db.scalar("SELECT campaign_id FROM dialer.contacts WHERE id = \(contact)", as: Int64.self)
            let store = MediaStreamStore(database: db)
            let bound = try await store.streamStarted(streamSID: "MZ1", callSID: "CA1", attemptID: attempt, contactID: contact, campaignID: campaign)
            #expect(bound == MediaStreamStore.Binding(attemptID: attempt, contactID: contact, campaignID: campaign, firstName: nil))
            // Another call's CallSid, another contact, or no attempt: recorded, not bound.
            #expect(
                try await store.streamStarted(streamSID: "MZ2", callSID: "CA2", attemptID: attempt, contactID: contact, campaignID: campaign) == nil
            )
            #expect(
                try await store.streamStarted(streamSID: "MZ3", callSID: "CA1", attemptID: attempt, contactID: contact + 1, campaignID: campaign)
                    == nil
            )
            #expect(try await store.streamStarted(streamSID: "MZ4", callSID: "CA1", attemptID: nil, contactID: nil, campaignID: nil) == nil)
            let rows = try await db.scalar(
                "SELECT string_agg(stream_sid || ':' || coalesce(attempt_id::text, '-'), ' ' ORDER BY stream_sid) FROM dialer.media_streams",
                as: String.self
            )
            #expect(rows == "MZ1:\(attempt.uuidString.lowercased()) MZ2:- MZ3:- MZ4:-")

            try await store.streamEnded(streamSID: "MZ1", framesReceived: 250, framesSent: 120, malformed: 2)
            let ended = try await db.scalar(
                "SELECT concat_ws(' ', ended_at IS NOT NULL, frames_received, frames_sent, malformed) FROM dialer.media_streams WHERE stream_sid = 'MZ1'",
                as: String.self
            )
            #expect(ended == "t 250 120 2")
        }
    }

    @Test func aCallIsBoundOnceWhileItLastsAndRefusedStreamsAreClosed() async throws {
        try await TestDatabase.withFresh { db, _ in
            let (contact, attempt) = try await db.firstAttempt(callSID: "CA1")
            let campaign = try await db.scalar("SELECT campaign_id FROM dialer.contacts WHERE id = \(contact)", as: Int64.self)
            let store = MediaStreamStore(database: db)
            func start(_ streamSID: String) async throws -> Bool {
                try await store.streamStarted(streamSID: streamSID, callSID: "CA1", attemptID: attempt, contactID: contact, campaignID: campaign)
                    != nil
            }
            // Eight racing starts (a replayed handshake) for one live call: one binds.
            let bound = try await withThrowingTaskGroup(of: Bool.self) { group in
                for n in 0..<8 { group.addTask { try await start("MZrace\(n)") } }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(bound == 1)
            // The same start again, and a new stream for the call: refused.
            let first = try await db.scalar("SELECT stream_sid FROM dialer.media_streams WHERE attempt_id IS NOT NULL", as: String.self)
            #expect(try await start(first) == false)
            #expect(try await start("MZlater") == false)
            let rows = try await db.scalar(
                """
                SELECT concat_ws(' ', count(*) FILTER (WHERE attempt_id IS NOT NULL),
                                 count(*) FILTER (WHERE attempt_id IS NULL AND ended_at IS NULL),
                                 bool_or(stream_sid = 'MZlater' AND attempt_id IS NULL AND ended_at IS NOT NULL))
                FROM dialer.media_streams
                """,
                as: String.self
            )
            // A racer that lost on the index wrote no row; one that lost on the check, an unbound one.
            #expect(rows == "1 0 t", "one bound; every refused stream recorded unbound and closed")
        }
        try await TestDatabase.withFresh { db, _ in
            let (contact, attempt) = try await db.firstAttempt(callSID: "CA2")
            let campaign = try await db.scalar("SELECT campaign_id FROM dialer.contacts WHERE id = \(contact)", as: Int64.self)
            try await db.execute("INSERT INTO dialer.calls (call_sid, attempt_id, status) VALUES ('CA2', \(attempt), 'completed')")
            let store = MediaStreamStore(database: db)
            #expect(
                try await store.streamStarted(streamSID: "MZ1", callSID: "CA2", attemptID: attempt, contactID: contact, campaignID: campaign) == nil
            )
            #expect(try await db.scalar("SELECT ended_at IS NOT NULL AND attempt_id IS NULL FROM dialer.media_streams", as: Bool.self))
        }
    }

    @Test func transcriptEntriesAreWrittenOnceEachAndKeptAsFirstWritten() async throws {
        try await TestDatabase.withFresh { db, _ in
            let (_, attempt) = try await db.firstAttempt(callSID: "CA1")
            let store = MediaStreamStore(database: db)
            let greeting = TranscriptEntryRecord(
                seq: 0,
                speaker: "agent",
                text: "Hello, this is an automated assistant.",
                startMs: 0,
                endMs: 2400,
                interrupted: true,
                confidence: nil
            )
            let answer = TranscriptEntryRecord(
                seq: 1,
                speaker: "callee",
                text: "yes",
                startMs: 2600,
                endMs: 3100,
                confidence: 0.9,
                intent: "interested"
            )
            try await store.append([greeting, answer], callSID: "CA1", attemptID: attempt)
            var retried = answer
            retried.text = "no"
            try await store.append([retried], callSID: "CA1", attemptID: attempt)
            let rows = try await db.scalar(
                """
                SELECT string_agg(concat_ws('|', seq, speaker, text, start_ms, end_ms, interrupted, coalesce(round(confidence::numeric, 2)::text, '-'),
                                            coalesce(intent, '-')), ' / ' ORDER BY seq)
                FROM dialer.transcript_entries WHERE call_sid = 'CA1'
                """,
                as: String.self
            )
            #expect(rows == "0|agent|Hello, this is an automated assistant.|0|2400|t|-|- / 1|callee|yes|2600|3100|f|0.90|interested")
        }
    }

    @Test func anOptOutListsTheNumberOnceAndMarksTheContact() async throws {
        try await TestDatabase.withFresh { db, _ in
            let (contact, attempt) = try await db.firstAttempt(callSID: "CA1")
            let store = MediaStreamStore(database: db)
            #expect(try await store.recordOptOut(callSID: "CA1", attemptID: attempt))
            #expect(try await store.recordOptOut(callSID: "CA1", attemptID: attempt))
            #expect(try await store.recordOptOut(callSID: "CA9", attemptID: UUID()) == false)
            let listed = try await db.scalar("SELECT string_agg(concat_ws(' ', phone_e164, reason, source), ',') FROM dialer.dnc", as: String.self)
            #expect(listed == "+14155550123 opt_out call CA1")
            #expect(try await db.scalar("SELECT opted_out_at IS NOT NULL FROM dialer.contacts WHERE id = \(contact)", as: Bool.self))
        }
    }
}
