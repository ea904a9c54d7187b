import Foundation
import PostgresNIO
import Queue
import Sandbox
import Store
import TestSupport
import Testing
import Twilio
import Worker

@Suite struct PlaceCallTests {
    @Test func aCallableContactIsDialedWithTheAttemptIdInEveryCallbackURL() async throws {
        try await Dialing.with { dialing in
            let contact = dialing.contacts[0]
            try await dialing.enqueue(contact)
            let outcome = try await dialing.runOnce(dialing.handler())
            #expect(outcome == .completed, "\(outcome)")

            let attempt = try #require(try await dialing.attempts(contact).first)
            let call = try #require(dialing.sandbox.calls.first)
            #expect(attempt.state == .placed && attempt.callSID == call.sid && attempt.attemptNumber == 1)
            let form = call.request
            let id = attempt.id.uuidString.lowercased()
            #expect(form["To"] == [Dialing.number(0)] && form["From"] == [Dialing.from] && form["Timeout"] == ["30"])
            #expect(form["Url"] == ["http://127.0.0.1:9/hooks/twilio/voice?attempt=\(id)"])
            #expect(form["StatusCallback"] == ["http://127.0.0.1:9/hooks/twilio/status?attempt=\(id)"])
            #expect(form["AsyncAmdStatusCallback"] == ["http://127.0.0.1:9/hooks/twilio/amd?attempt=\(id)"])
            #expect(form["StatusCallbackEvent"] == ["initiated", "ringing", "answered", "completed"])
            #expect(try await dialing.db.scalar("SELECT attempts FROM dialer.contacts WHERE id = \(contact)", as: Int.self) == 1)
            #expect(try await dialing.db.scalar("SELECT slot_at IS NOT NULL FROM dialer.call_attempts", as: Bool.self))
        }
    }

    @Test func aContactWhoseLocalTimeIs22IsSnoozedTo08LocalTheNextDayAndNotDialed() async throws {
        try await Dialing.with { dialing in
            try await dialing.enqueue(dialing.contacts[0])
            // 2026-11-25 22:00 in New York (03:00 UTC the next day).
            let tenPM = Date(timeIntervalSince1970: 1_795_662_000)
            #expect(try await dialing.runOnce(dialing.handler(now: tenPM)) == .snoozed(.seconds(10 * 3600)))
            // Through a runner: the job's run_at is 08:00 New York time, ten hours on.
            try await withRunners([runner(dialing.db, [dialing.handler(now: tenPM)])]) {
                try await dialing.makeJobsDue()
                let snoozed = try await eventually {
                    let later = try await dialing.db.scalar("SELECT run_at > now() + interval '9 hours' FROM dialer.jobs", as: Bool.self)
                    return try await dialing.jobState(dialing.contacts[0]) == "available" && later
                }
                #expect(snoozed)
            }
            let runIn = try await dialing.db.scalar("SELECT extract(epoch FROM run_at - now())::float8 FROM dialer.jobs", as: Double.self)
            #expect(abs(runIn - 36000) < 30)
            #expect(dialing.creates == 0)
            #expect(try await dialing.attempts(dialing.contacts[0]).isEmpty)
        }
    }

    @Test func aNumberAddedToTheDNCListAfterImportIsNotDialed() async throws {
        try await Dialing.with(contacts: 2) { dialing in
            try await dialing.db.execute(
                "INSERT INTO dialer.dnc (phone_e164, reason, source) VALUES (\(Dialing.number(0)), 'asked not to be called', 'operator')"
            )
            for contact in dialing.contacts { try await dialing.enqueue(contact) }
            try await withRunners([runner(dialing.db, [dialing.handler()])]) {
                let done1 = try await eventually { try await dialing.jobState(dialing.contacts[1]) == "completed" }
                #expect(done1)
                let done2 = try await eventually { try await dialing.jobState(dialing.contacts[0]) == "cancelled" }
                #expect(done2)
            }
            #expect(dialing.sandbox.calls.map(\.to) == [Dialing.number(1)])
            #expect(
                try await dialing.db.scalar("SELECT skip_reason FROM dialer.contacts WHERE id = \(dialing.contacts[0])", as: String?.self)
                    == "internal_dnc"
            )
            #expect(try await dialing.attempts(dialing.contacts[0]).isEmpty)
        }
    }

    @Test(arguments: [21211, 21214, 21215, 21217, 13227, 32205])
    func aPermanentTwilioErrorDiscardsTheJobAndRecordsTheCode(code: Int) async throws {
        try await Dialing.with { dialing in
            let contact = dialing.contacts[0]
            dialing.sandbox.script(Dialing.number(0), .refused(status: 400, code: code))
            try await dialing.enqueue(contact)
            try await withRunners([runner(dialing.db, [dialing.handler()])]) {
                let done3 = try await eventually { try await dialing.jobState(contact) == "discarded" }
                #expect(done3)
            }
            let attempts = try await dialing.attempts(contact)
            #expect(attempts.map(\.state) == [.failed] && attempts.first?.twilioErrorCode == code)
            #expect(try await dialing.db.scalar("SELECT outcome FROM dialer.contacts WHERE id = \(contact)", as: String?.self) == "failed")
            #expect(dialing.sandbox.requests.filter { $0.path.hasSuffix("/Calls.json") }.count == 1)
        }
    }

    /// Twilio's refusals quote the To number whole; what the dialer stores of them is masked
    /// as the logs mask it, so no view `dialer_monitor` reads shows the number.
    @Test(arguments: [21211, 21215])
    func aRefusalQuotingTheNumberIsStoredMaskedAndTheMonitorSeesNoNumber(code: Int) async throws {
        try await Dialing.with { dialing in
            let contact = dialing.contacts[0]
            let number = Dialing.number(0)
            dialing.sandbox.script(number, .refused(status: 400, code: code))
            try await dialing.enqueue(contact)
            try await withRunners([runner(dialing.db, [dialing.handler()])]) {
                let discarded = try await eventually { try await dialing.jobState(contact) == "discarded" }
                #expect(discarded)
            }
            let message = try await dialing.db.scalar("SELECT error_message FROM dialer.call_attempts WHERE contact_id = \(contact)", as: String.self)
            #expect(message.contains("+1212*****00") && !message.contains(number.dropFirst()), "\(message)")
            // SET LOCAL: a role set for the session would stay on a pooled server connection.
            let visible = try await dialing.db.client.withTransaction(logger: TestDatabase.testLogger) { connection in
                try await connection.query("SET LOCAL ROLE dialer_monitor", logger: TestDatabase.testLogger)
                var text = ""
                let views = try await connection.query(
                    """
                    SELECT c.relname::text FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
                    WHERE n.nspname = 'dialer' AND c.relkind IN ('r', 'v', 'm') AND has_table_privilege(c.oid, 'SELECT')
                    """,
                    logger: TestDatabase.testLogger
                )
                var names: [String] = []
                for try await name in views.decode(String.self) { names.append(name) }
                #expect(names.contains("discarded_jobs") && names.contains("call_outcomes"), "\(names)")
                for name in names {
                    let rows = try await connection.query(
                        PostgresQuery(unsafeSQL: "SELECT row_to_json(v)::text FROM dialer.\(name) v"),
                        logger: TestDatabase.testLogger
                    )
                    for try await row in rows.decode(String.self) { text += row + "\n" }
                }
                return text
            }
            #expect(visible.contains("+1212*****00"), "the discarded job's error, masked")
            #expect(!visible.contains(number.dropFirst(2)), "\(visible)")
        }
    }

    /// A From Twilio refuses is the campaign's fault, not the contacts': the campaign pauses
    /// with Twilio's reason, no contact gets an outcome or loses an attempt, and once the From
    /// is fixed and the campaign resumed, every contact is called.
    @Test func aRefusedCallerIDPausesTheCampaignAndLeavesItsContactsAlone() async throws {
        try await Dialing.with(contacts: 3) { dialing in
            try await dialing.db.execute("UPDATE dialer.campaigns SET from_number = '+14155550199' WHERE id = \(dialing.campaignID)")
            for contact in dialing.contacts { try await dialing.enqueue(contact) }
            try await withRunners([runner(dialing.db, [dialing.handler()])]) {
                let paused = try await eventually {
                    try await dialing.db.scalar("SELECT status FROM dialer.campaigns WHERE id = \(dialing.campaignID)", as: String.self) == "paused"
                }
                #expect(paused)
                try await Task.sleep(for: .milliseconds(300))
            }
            let reason = try await dialing.db.scalar("SELECT pause_reason FROM dialer.campaigns WHERE id = \(dialing.campaignID)", as: String?.self)
            #expect(reason?.contains("Twilio error 21210") == true && reason?.contains("+14155550199") == false, "\(String(describing: reason))")
            #expect(
                try await dialing.db.scalar("SELECT count(*)::int FROM dialer.contacts WHERE outcome IS NOT NULL OR attempts > 0", as: Int.self) == 0
            )
            #expect(try await dialing.db.scalar("SELECT count(*)::int FROM dialer.call_attempts", as: Int.self) == 0)
            #expect(
                try await dialing.db.scalar(
                    "SELECT count(*)::int FROM dialer.jobs WHERE kind = 'place_call' AND state IN ('discarded', 'cancelled', 'completed')",
                    as: Int.self
                ) == 0
            )

            try await dialing.db.execute("UPDATE dialer.campaigns SET from_number = \(Dialing.from) WHERE id = \(dialing.campaignID)")
            try await CampaignStore(database: dialing.db).transition(name: "dialing test", from: [.paused], to: .active)
            #expect(try await dialing.db.scalar("SELECT pause_reason IS NULL FROM dialer.campaigns WHERE id = \(dialing.campaignID)", as: Bool.self))
            try await withRunners([runner(dialing.db, [dialing.handler()])]) {
                try await dialing.makeJobsDue()
                let placed = try await eventually {
                    try await dialing.db.scalar("SELECT count(*)::int FROM dialer.call_attempts WHERE state = 'placed'", as: Int.self) == 3
                }
                #expect(placed)
            }
        }
    }

    @Test func tooManyRequestsRetriesTheJobOnANewSlotNeverTheSamePostLate() async throws {
        try await Dialing.with { dialing in
            let contact = dialing.contacts[0]
            var faults = SandboxTwilio.Faults()
            faults.tooManyRequests = 1  // a POST paced to a slot is not sent again later: the job is retried
            faults.retryAfterSeconds = 0
            dialing.sandbox.faults = faults
            try await dialing.enqueue(contact)
            await #expect(throws: TwilioError.self) { _ = try await dialing.runOnce(dialing.handler()) }
            #expect(try await dialing.attempts(contact).map(\.twilioErrorCode) == [20429])
            try await withRunners([runner(dialing.db, [dialing.handler()])]) {
                try await dialing.makeJobsDue()
                let done4 = try await eventually { try await dialing.jobState(contact) == "completed" }
                #expect(done4)
            }
            #expect(try await dialing.attempts(contact).map(\.state) == [.failed, .placed])
            #expect(dialing.creates == 1)
        }
    }

    @Test func anUnreachableTwilioRetriesTheJobWithNothingPlaced() async throws {
        try await Dialing.with { dialing in
            let closed = TwilioConfiguration(
                accountSID: dialing.twilio.accountSID,
                secret: "x",
                baseURL: "http://127.0.0.1:9",
                requestTimeout: .seconds(2),
                maxRetries: 1
            )
            let handler = Dialing(
                db: dialing.db,
                sandbox: dialing.sandbox,
                twilio: closed,
                campaignID: dialing.campaignID,
                contacts: dialing.contacts
            ).handler()
            try await dialing.enqueue(dialing.contacts[0])
            await #expect(throws: TwilioError.self) { _ = try await dialing.runOnce(handler) }
            #expect(try await dialing.attempts(dialing.contacts[0]).map(\.state) == [.failed])
        }
    }

    @Test func anAmbiguousCreateIsReconciledFromTheCallsListAndNeverDialedTwice() async throws {
        try await Dialing.with { dialing in
            let contact = dialing.contacts[0]
            var faults = SandboxTwilio.Faults()
            faults.serverErrorsAfterCreating = 1
            dialing.sandbox.faults = faults
            try await dialing.enqueue(contact)
            try await withRunners([runner(dialing.db, [dialing.handler()])]) {
                let done5 = try await eventually { try await dialing.jobState(contact) == "completed" }
                #expect(done5)
            }
            let attempts = try await dialing.attempts(contact)
            #expect(attempts.map(\.state) == [.placed] && attempts.first?.callSID == dialing.sandbox.calls.first?.sid)
            #expect(dialing.creates == 1)
            #expect(
                try await dialing.db.scalar("SELECT errors->0->>'message' FROM dialer.jobs", as: String?.self)?.contains("no clear answer") == true
            )
        }
    }

    /// Twilio holds creates above the account's calls per second in a queue, for as long as
    /// 24 hours, and a queued call has no start time: reconciliation must still find it,
    /// however long after the attempt it asks.
    @Test func aCallStillInTwiliosQueueIsReconciledAndNeverDialedTwice() async throws {
        try await Dialing.with { dialing in
            let contact = dialing.contacts[0]
            var faults = SandboxTwilio.Faults()
            faults.serverErrorsAfterCreating = 1
            faults.queueDelay = .seconds(600)
            dialing.sandbox.faults = faults
            try await dialing.enqueue(contact)
            // Past reconcileAfter at once: only finding the queued call keeps it from a redial.
            try await withRunners([runner(dialing.db, [dialing.handler(reconcileAfter: .zero)])]) {
                let done = try await eventually { try await dialing.jobState(contact) == "completed" }
                #expect(done)
            }
            #expect(dialing.sandbox.calls.map(\.status) == ["queued"] && dialing.sandbox.calls.first?.startTime == nil)
            let attempts = try await dialing.attempts(contact)
            #expect(attempts.map(\.state) == [.placed] && attempts.first?.callSID == dialing.sandbox.calls.first?.sid)
            #expect(dialing.creates == 1)
        }
    }

    @Test func anAttemptThatNeverReachedTwilioIsRedialedOnlyAfterTheCallsListStaysEmpty() async throws {
        try await Dialing.with { dialing in
            let contact = dialing.contacts[0]
            let job = try await dialing.enqueue(contact)
            // A worker committed the attempt and died before its POST.
            _ = try await CallAttemptStore(database: dialing.db).begin(
                contactID: contact,
                campaignID: dialing.campaignID,
                jobID: job,
                to: Dialing.number(0),
                from: Dialing.from,
                maxInFlight: 10,
                slotAt: nil
            )
            let patient = dialing.handler(reconcileAfter: .seconds(120))
            guard case .snoozed(let wait) = try await dialing.runOnce(patient) else {
                Issue.record("dialed while the attempt was unsettled")
                return
            }
            #expect(wait > .seconds(100) && dialing.creates == 0)

            try await dialing.makeJobsDue()
            #expect(try await dialing.runOnce(dialing.handler(reconcileAfter: .zero)) == .completed)
            #expect(try await dialing.attempts(contact).map(\.state) == [.failed, .placed])
            #expect(dialing.creates == 1)
        }
    }

    @Test func aPausedCampaignWaitsACancelledOneStopsAndAFullOneWaitsForRoom() async throws {
        try await Dialing.with(contacts: 2, maxConcurrentCalls: 1) { dialing in
            try await dialing.enqueue(dialing.contacts[0])
            try await dialing.db.execute("UPDATE dialer.campaigns SET status = 'paused'")
            #expect(try await dialing.runOnce(dialing.handler()) == .snoozed(.seconds(30)))
            try await dialing.db.execute("UPDATE dialer.campaigns SET status = 'active'")
            try await dialing.makeJobsDue()
            #expect(try await dialing.runOnce(dialing.handler()) == .completed)

            // One call in flight is the campaign's maximum.
            try await dialing.enqueue(dialing.contacts[1])
            #expect(try await dialing.runOnce(dialing.handler()) == .snoozed(.seconds(2)))
            try await dialing.db.execute("UPDATE dialer.campaigns SET status = 'cancelled'")
            try await dialing.makeJobsDue()
            guard case .cancelled = try await dialing.runOnce(dialing.handler()) else {
                Issue.record("dialed for a cancelled campaign")
                return
            }
            #expect(dialing.creates == 1)
        }
    }
}
