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
            let handler = RecordConversationHandler(database: f.db, salesforce: f.client(), logger: TestDatabase.testLogger)
            try await withRunners([runner(f.db, [handler])]) {
                let done = try await eventually {
                    try await f.db.scalar("SELECT state FROM dialer.jobs WHERE kind = 'record_conversation'", as: String.self) == "completed"
                }
                #expect(done)
            }
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
}
