import Demo
import Foundation
import Salesforce
import Sandbox
import Store
import TestSupport
import Testing

/// A 20-contact campaign through the real code paths, as `dialer-lab demo` runs it: the import
/// from the Sandbox Salesforce, PlaceCall through the Sandbox Twilio, signed callbacks and
/// the media WebSocket into the webhook service (PocketSphinx, the built-in script, espeak-ng),
/// and the finalizer's Tasks back in the Sandbox Salesforce. The final state is read from
/// SQL and from the Sandboxes' own records.
@Suite(.runsAlone("real time: the demo's whole stack with live conversations")) struct EndToEndTests {
    @Test func aTwentyContactCampaignEndsWithOutcomesTranscriptsAndOneTaskPerCall() async throws {
        try await TestDatabase.withFresh(maxConnections: 30) { db, _ in
            var demo = DemoSettings()
            demo.contacts = 16
            demo.clockFactor = 600
            demo.retryDelays = ["busy": 3, "no-answer": 3, "machine": 3, "failed": 3]
            let settings = demo
            try await DemoStack(settings: settings, logger: TestDatabase.testLogger).run(db: db) { running in
                // Three more that must not be called (DoNotCall, an invalid number, a duplicate),
                // and one in Hawaii, where it is 06:30 when the demo's clock starts.
                let first = try #require(running.salesforce.records(ofType: "Contact").first { $0["MobilePhone"] != .null })
                running.salesforce.insert([
                    SandboxRecord(
                        type: "Contact",
                        fields: [
                            "LastName": .string("Nocall"), "MobilePhone": .string("(212) 555-0142"), "MailingState": .string("NY"),
                            "DoNotCall": .boolean(true),
                        ]
                    ),
                    SandboxRecord(
                        type: "Contact",
                        fields: ["LastName": .string("Broken"), "MobilePhone": .string("CALL-ME-NOW"), "MailingState": .string("NY")]
                    ),
                    SandboxRecord(
                        type: "Contact",
                        fields: ["LastName": .string("Twin"), "MobilePhone": first["MobilePhone"], "MailingState": first["MailingState"]]
                    ),
                    SandboxRecord(
                        type: "Contact",
                        fields: ["LastName": .string("Early"), "MobilePhone": .string("(808) 555-0177"), "MailingState": .string("HI")]
                    ),
                ])
                running.twilio.script("+18085550177", .human)
                let campaign = try await DemoCampaign.create(running, settings: settings)
                let final = try await campaign.runToCompletion(running, timeout: .seconds(170)) { _ in }
                #expect(final.imported == 20 && final.finished)
                try await Self.check(running, campaign: campaign)
            }
        }
    }

    static func check(_ running: DemoStack.Running, campaign: DemoCampaign) async throws {
        let db = running.db
        // Every callable contact has an outcome or a callback to come; every skipped one its reason.
        #expect(
            try await db.scalar(
                "SELECT count(*)::int FROM dialer.contacts WHERE skip_reason IS NULL AND outcome IS NULL AND callback_at IS NULL",
                as: Int.self
            ) == 0
        )
        // A callee who picked a time waits for it: the callback's call is queued, due when it opens.
        let callbacks = try await db.rows(
            "SELECT c.callback_at = j.run_at FROM dialer.callbacks AS c LEFT JOIN dialer.jobs AS j ON j.id = c.job_id",
            as: Bool?.self
        )
        #expect(callbacks.allSatisfy { $0 == true }, "\(callbacks)")
        let skipped = Dictionary(
            uniqueKeysWithValues: try await db.rows(
                "SELECT skip_reason, count(*)::int FROM dialer.contacts WHERE skip_reason IS NOT NULL GROUP BY 1",
                as: (String, Int).self
            ).map { ($0.0, $0.1) }
        )
        let seeded = running.seeded
        #expect(skipped["do_not_call", default: 0] == seeded.doNotCall + 1, "\(skipped) \(seeded)")
        #expect(skipped["invalid_phone", default: 0] == seeded.invalidPhone + 1, "\(skipped) \(seeded)")
        #expect(skipped["duplicate_phone", default: 0] >= 1, "\(skipped) \(seeded)")
        #expect(try await db.scalar("SELECT status FROM dialer.campaigns WHERE id = \(campaign.id)", as: String.self) == "completed")

        // Nobody skipped was dialed, and every call went out inside its callee's window on
        // the demo's clock, in every zone the callee may be in.
        let zones = Dictionary(
            try await db.rows(
                "SELECT phone_e164, time_zones, skip_reason IS NULL FROM dialer.contacts WHERE phone_e164 IS NOT NULL",
                as: (String, [String], Bool).self
            ).map { ($0.0, ($0.1, $0.2)) }
        ) { a, b in a.1 ? a : b }
        let calls = running.twilio.calls
        #expect(!calls.isEmpty)
        for call in calls {
            let (candidates, callable) = try #require(zones[call.to])
            #expect(callable, "a skipped number was dialed")
            #expect(!candidates.isEmpty)
            for zone in candidates {
                var calendar = Calendar(identifier: .gregorian)
                calendar.timeZone = TimeZone(identifier: zone)!
                let hour = calendar.component(.hour, from: running.clock.demoTime(at: call.dateCreated))
                #expect((8..<21).contains(hour), "called at \(hour):00 in \(zone)")
            }
        }
        #expect(running.windows.waitingForWindow == 0)
        #expect(calls.contains { $0.to == "+18085550177" }, "Hawaii was called once its morning came")

        // Every answered call has transcript rows from both speakers.
        let answered = try await db.rows(
            """
            SELECT c.call_sid, (SELECT count(DISTINCT t.speaker) FROM dialer.transcript_entries t WHERE t.call_sid = c.call_sid)::int
            FROM dialer.calls c WHERE c.answered_by = 'human'
            """,
            as: (String, Int).self
        )
        #expect(!answered.isEmpty)
        for (sid, speakers) in answered { #expect(speakers == 2, "\(sid) has \(speakers) speakers") }

        // Every ended call has exactly one Task in the Sandbox Salesforce, and its sync says so.
        let endedRows: [String] = try await db.rows("SELECT call_sid FROM dialer.calls WHERE ended_at IS NOT NULL", as: String.self)
        let ended = Set(endedRows)
        let rang = calls.filter { if case .refused = $0.outcome { false } else { true } }
        #expect(ended == Set(rang.map(\.sid)))
        #expect(EndedCalls.tasksByCall(running.salesforce) == Dictionary(uniqueKeysWithValues: ended.map { ($0, 1) }))
        #expect(try await db.scalar("SELECT count(*)::int FROM dialer.task_syncs WHERE state = 'synced'", as: Int.self) == ended.count)
        // No number was dialed twice for one attempt.
        #expect(
            try await db.scalar(
                "SELECT count(*)::int FROM (SELECT contact_id, attempt_number FROM dialer.call_attempts WHERE state = 'placed' GROUP BY 1, 2 HAVING count(*) > 1) d",
                as: Int.self
            ) == 0
        )
    }
}
