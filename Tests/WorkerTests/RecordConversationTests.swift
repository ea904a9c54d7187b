import Foundation
import Queue
import Sandbox
import Store
import TestSupport
import Testing
import Worker

/// `record_conversation`: what a media service handed off is written by a worker, and an
/// opt-out that lands after its call's Task was synced still sets the Contact's DoNotCall.
@Suite struct RecordConversationTests {
    @Test func aHandedOffOptOutReachesTheDNCListAndTheContactAfterItsTaskWasSynced() async throws {
        try await Finalizing.with { f in
            let sid = try await f.endCalls(1)[0]
            let contact = f.sandbox.insert([SandboxRecord(type: "Contact", fields: ["LastName": .string("Callee"), "DoNotCall": .boolean(false)])])[0]
            try await f.db.execute(
                "UPDATE dialer.contacts AS k SET salesforce_id = \(contact) FROM dialer.call_attempts AS a WHERE a.call_sid = \(sid) AND k.id = a.contact_id"
            )
            // The Task is written before the opt-out gets through.
            #expect(try await f.finalize([f.handler()]))
            #expect(try await f.syncStates() == ["synced": 1])
            #expect(f.sandbox.record(id: contact)?["DoNotCall"] == .boolean(false))

            let attempt = try await f.db.scalar("SELECT id FROM dialer.call_attempts WHERE call_sid = \(sid)", as: UUID.self)
            try await MediaStreamStore(database: f.db).handOff(
                .init(
                    callSID: sid,
                    attemptID: attempt,
                    entries: [
                        TranscriptEntryRecord(seq: 90, speaker: "callee", text: "stop calling me\u{0}", startMs: 1000, endMs: 2000, confidence: 0.9)
                    ],
                    optOut: true
                )
            )
            try await Self.runTheHandedOffJob(f)
            let listed = try await f.db.scalar(
                """
                SELECT count(*)::int FROM dialer.dnc AS d JOIN dialer.contacts AS k ON k.phone_e164 = d.phone_e164
                JOIN dialer.call_attempts AS a ON a.contact_id = k.id WHERE a.call_sid = \(sid) AND d.reason = 'opt_out'
                """,
                as: Int.self
            )
            #expect(listed == 1)
            #expect(
                try await f.db.scalar("SELECT text FROM dialer.transcript_entries WHERE call_sid = \(sid) AND seq = 90", as: String.self)
                    == "stop calling me"
            )
            #expect(f.sandbox.record(id: contact)?["DoNotCall"] == .boolean(true))
            #expect(try await f.db.scalar("SELECT do_not_call_synced_at IS NOT NULL FROM dialer.task_syncs WHERE call_sid = \(sid)", as: Bool.self))
        }
    }

    /// A callback the media service could not write is scheduled by the worker, and the call's
    /// Task, written after it, says when.
    @Test func aHandedOffCallbackIsScheduledAndItsTaskSaysWhen() async throws {
        try await Finalizing.with { f in
            let sid = try await f.endCalls(1)[0]
            let attempt = try await f.db.scalar("SELECT id FROM dialer.call_attempts WHERE call_sid = \(sid)", as: UUID.self)
            let from = Date(timeIntervalSince1970: 1_796_752_800)
            let callback = ScheduledCallback(from: from, until: from.addingTimeInterval(5 * 3600), timeZone: "America/Chicago")
            try await MediaStreamStore(database: f.db).handOff(
                .init(callSID: sid, attemptID: attempt, entries: [], optOut: false, callback: callback)
            )
            try await Self.runTheHandedOffJob(f)
            let due = try await f.db.scalar(
                "SELECT run_at FROM dialer.jobs WHERE unique_key = \(PlaceCallArgs.callbackKey(attemptID: attempt))",
                as: Date.self
            )
            #expect(due == from)
            #expect(try await f.finalize([f.handler()]))
            guard case .string(let description) = try f.task(sid)["Description"] else { throw TestSetupError("no Description") }
            #expect(description.contains("Callback asked for: Tue 2026-12-08 12:00–17:00 America/Chicago"), "\(description)")
        }
    }

    /// Runs the `record_conversation` job a worker would, until it completed.
    static func runTheHandedOffJob(_ f: Finalizing) async throws {
        let handler = RecordConversationHandler(database: f.db, salesforce: f.client(), logger: TestDatabase.testLogger)
        try await withRunners([runner(f.db, [handler])]) {
            let done = try await eventually {
                try await f.db.scalar("SELECT state FROM dialer.jobs WHERE kind = 'record_conversation'", as: String.self) == "completed"
            }
            #expect(done)
        }
    }
}
