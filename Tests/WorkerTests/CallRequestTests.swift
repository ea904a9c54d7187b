import Foundation
import Queue
import Salesforce
import Sandbox
import Store
import Synchronization
import TestSupport
import Testing
import Worker

/// `POST /v1/calls` below HTTP: bad input refused with nothing written; a call to a number
/// alone dialed once through PlaceCall, its status followed by its id, its Task written without
/// a WhoId; outside calling hours, scheduled for the instant PlaceCall will allow.
@Suite struct CallRequestTests {
    static let number = Dialing.number(7)
    /// 2026-11-25 22:00 in New York, and 08:00 the next morning.
    static let tenPM = Date(timeIntervalSince1970: 1_795_662_000)
    static let eightAM = Date(timeIntervalSince1970: 1_795_662_000 + 10 * 3600)

    @Test func badInputIsRefusedNamingTheFieldAndWritesNothing() async throws {
        try await APICalls.with { api in
            try await api.db.execute(
                "INSERT INTO dialer.campaigns (name, soql, status, from_number) VALUES ('winter', 'x', 'completed', '+14155550100')"
            )
            let refused: [(CallRequestBody, CallRequestError)] = [
                (.init(), .invalid(field: "contactId", reason: "give contactId, to, or both")),
                (.init(contactId: "003abc"), .invalid(field: "contactId", reason: "not a Salesforce id (15 or 18 letters and digits)")),
                (.init(contactId: "003SB00000000RQAA!"), .invalid(field: "contactId", reason: "not a Salesforce id (15 or 18 letters and digits)")),
                (.init(to: "2125550142"), .invalid(field: "to", reason: "not a dialable number in E.164 form such as +14155550134")),
                (.init(to: "+1 212 555 0142"), .invalid(field: "to", reason: "not a dialable number in E.164 form such as +14155550134")),
                (
                    .init(to: "+1212555014"),
                    .invalid(field: "to", reason: "not a dialable number in E.164 form such as +14155550134 (too few digits)")
                ),
                (
                    .init(to: Self.number, from: "+1415555010x"),
                    .invalid(field: "from", reason: "not a dialable number in E.164 form such as +14155550134 (contains letters)")
                ),
                (
                    .init(to: Self.number, message: String(repeating: "é", count: 1_001)),
                    .invalid(field: "message", reason: "longer than 1000 characters")
                ),
                // 501 characters to Swift, 1,002 code points to Postgres: counted as Postgres counts.
                (
                    .init(to: Self.number, message: String(repeating: "e\u{301}", count: 501)),
                    .invalid(field: "message", reason: "longer than 1000 characters")
                ),
                (.init(to: Self.number, message: "a\u{0}b"), .invalid(field: "message", reason: "contains a NUL character")),
                (.init(to: Self.number, campaign: ""), .invalid(field: "campaign", reason: "not a campaign name")),
                (.init(to: Self.number, campaign: "spring"), .invalid(field: "campaign", reason: "no campaign named spring")),
                (.init(to: Self.number, campaign: "winter"), .campaignClosed(name: "winter", status: .completed)),
            ]
            for (body, expected) in refused {
                await #expect(throws: expected, "\(body)") { try await api.post(body) }
            }
            // No caller ID anywhere: refused naming `from`, and the built-in campaign is not made.
            await #expect(
                throws: CallRequestError.invalid(
                    field: "from",
                    reason: "no caller ID: give from, or a campaign, or set DIALER_DEFAULT_FROM for calls without one"
                )
            ) {
                try await api.requests(defaultFrom: nil).create(.init(to: Self.number))
            }
            #expect(try await api.rowCount("call_requests") == 0)
            #expect(try await api.rowCount("contacts") == 0)
            #expect(try await api.rowCount("jobs") == 0)
            #expect(try await api.db.scalar("SELECT count(*)::int FROM dialer.campaigns WHERE name = 'api'", as: Int.self) == 0)
            // 1,000 characters, any of them, are a message.
            let accepted = try await api.post(.init(to: Self.number, message: String(repeating: "é", count: 1_000)))
            #expect(try await api.status(accepted.id)?.message?.count == 1_000)
        }
    }

    @Test func aCallToANumberIsDialedOnceThroughPlaceCallItsStatusFollowsItAndItsTaskHasNoWhoId() async throws {
        try await APICalls.with { api in
            api.dialing.sandbox.script(Self.number, .human)
            let seenWhileCreating = Mutex<[String]>([])
            try await LiveWebhooks.withWebhooks(api.dialing) { publicURL in
                let accepted = try await api.post(.init(to: Self.number, message: "Your table is ready"))
                #expect(accepted.state == "queued" && accepted.scheduledFor == nil && accepted.campaign == "api")
                let queued = try #require(try await api.status(accepted.id))
                #expect(queued.state == "queued" && queued.to == Self.number && queued.from == Dialing.from && queued.attempt == 0)
                #expect(queued.contactID == nil && queued.message == "Your table is ready")

                api.dialing.sandbox.hooks = .init(afterCallCreate: { _ in
                    let state = (try? await api.status(accepted.id))?.state ?? "unreadable"
                    seenWhileCreating.withLock { $0.append(state) }
                })
                #expect(try await api.dialing.runOnce(api.dialing.handler(publicURL: publicURL)) == .completed)
                await api.dialing.sandbox.settle()
                let ended = try await eventually { try await api.status(accepted.id)?.state == "completed" }
                #expect(ended)
                let call = try #require(try await api.status(accepted.id))
                let placed = try #require(api.dialing.sandbox.calls.first)
                #expect(call.id == accepted.id && call.callSID == placed.sid && call.attempt == 1)
                #expect(call.outcome == "Answered" && call.answeredBy == "human" && call.twilioStatus == "completed")
                // Its first attempt is the call's id, in every callback URL.
                #expect(placed.request["Url"] == ["\(publicURL)/twilio/voice?attempt=\(accepted.id.uuidString.lowercased())"])
                #expect(placed.to == Self.number && placed.from == Dialing.from)
            }
            #expect(seenWhileCreating.withLock { $0 } == ["dialing"])
            // Dialed exactly once: nothing left to dial, however long we wait.
            try await api.dialing.makeJobsDue()
            #expect(
                try await api.db.scalar("SELECT count(*)::int FROM dialer.jobs WHERE kind = 'place_call' AND dialer.job_is_open(state)", as: Int.self)
                    == 0
            )
            #expect(api.dialing.creates == 1)

            // Its Task: written without a WhoId (there is no Contact), tied to the call by CallObject.
            try await api.db.execute("UPDATE dialer.task_syncs SET ready_at = now()")
            try await api.dialing.makeJobsDue()
            let finalizer = FinalizeCallHandler(
                database: api.db,
                salesforce: api.salesforceClient(),
                retryBackoff: .init(base: 0.05, factor: 2, cap: 0.2, jitter: 0),
                logger: TestDatabase.testLogger
            )
            let synced = try await withRunners([runner(api.db, [finalizer])]) {
                try await eventually {
                    try await api.db.scalar("SELECT count(*)::int FROM dialer.task_syncs WHERE state = 'synced'", as: Int.self) == 1
                }
            }
            #expect(synced)
            let sid = try #require(api.dialing.sandbox.calls.first?.sid)
            let tasks = api.salesforce.records(ofType: "Task").filter { $0["CallObject"] == .string(sid) }
            #expect(tasks.count == 1)
            #expect(tasks.first?["WhoId"] == .null && tasks.first?["Subject"] == .string("AI Voice Call - Answered"))
            let call = try #require(try await api.status(try await api.db.scalar("SELECT id FROM dialer.call_requests", as: UUID.self)))
            #expect(call.taskSync?.state == "synced" && call.taskSync?.salesforceTaskID == tasks.first?.id)
            // Its call.ended event: no Contact, and the call's id.
            guard case .ready(let event) = try await WebhookEventStore(database: api.db).callEnded(callSID: sid, streamWait: .zero) else {
                Issue.record("no call.ended event for \(sid)")
                return
            }
            #expect(event.contactId == nil && event.callId == call.id.uuidString.lowercased() && event.outcome == "Answered")
        }
    }

    @Test func outsideCallingHoursTheAnswerSaysWhenAndNothingIsDialedBefore() async throws {
        try await APICalls.with { api in
            let accepted = try await api.post(.init(to: Self.number), now: Self.tenPM)
            // 22:00 in New York (area code 212): the next allowed instant is 08:00 there.
            #expect(accepted.state == "scheduled" && accepted.scheduledFor == Self.eightAM)
            let status = try #require(try await api.status(accepted.id))
            #expect(status.state == "scheduled")
            let due = try #require(status.scheduledFor)
            #expect(abs(due.timeIntervalSinceNow - 10 * 3600) < 60, "\(due)")

            // Run early anyway: PlaceCall's gate holds it to the same instant, and dials nothing.
            try await api.dialing.makeJobsDue()
            #expect(try await api.dialing.runOnce(api.dialing.handler(now: Self.tenPM)) == .snoozed(.seconds(10 * 3600)))
            #expect(api.dialing.creates == 0)
            #expect(try await api.status(accepted.id)?.state == "scheduled")
            // At 08:00 it is dialed.
            try await api.dialing.makeJobsDue()
            #expect(try await api.dialing.runOnce(api.dialing.handler(now: Self.eightAM)) == .completed)
            #expect(api.dialing.creates == 1)
        }
    }

    @Test func aFromTwilioRefusesFailsThatCallAloneAndLeavesTheCampaignDialing() async throws {
        try await APICalls.with { api in
            // Not a number the Sandbox account owns or verified: Twilio's 21210.
            let accepted = try await api.post(.init(to: Self.number, from: "+14155550177"))
            await #expect(throws: PermanentFailure.self) { try await api.dialing.runOnce(api.dialing.handler()) }
            // As a runner does with a permanent failure.
            try await api.db.execute(
                "UPDATE dialer.jobs SET state = 'discarded', finalized_at = now(), lease_owner = NULL, lease_expires_at = NULL WHERE state = 'running'"
            )
            #expect(try await api.status(accepted.id)?.state == "failed")
            let call = try #require(try await api.status(accepted.id))
            #expect(call.errorMessage?.contains("21210") == true, "\(call.errorMessage ?? "-")")
            let campaign = try await api.db.rows("SELECT status, pause_reason FROM dialer.campaigns WHERE name = 'api'", as: (String, String?).self)
            #expect(campaign.first?.0 == "active" && campaign.first?.1 == nil)
            // The next call, from the default number, is dialed.
            _ = try await api.post(.init(to: Dialing.number(8)))
            #expect(try await api.dialing.runOnce(api.dialing.handler()) == .completed)
        }
    }

    @Test func aRepeatedIdempotencyKeyGetsTheFirstAnswerAndMakesNoSecondCall() async throws {
        try await APICalls.with { api in
            let (key, _) = try await APIKeyStore(database: api.db).create(name: "crm", scopes: [.callsWrite])
            let requests = api.requests()
            let body = CallRequestBody(to: Self.number)
            let claim = IdempotencyClaim(apiKeyID: key.id, key: "k-1", operation: "POST /v1/calls", request: try JSONEncoder().encode(body))
            var answers: [IdempotencyStore.Outcome] = []
            for _ in 0..<2 {
                answers.append(try await requests.create(body, claim: claim) { .init(status: 202, body: try JSONEncoder().encode($0)) })
            }
            // The same key with another request: refused, nothing written.
            let other = IdempotencyClaim(apiKeyID: key.id, key: "k-1", operation: "POST /v1/calls", request: Data("{}".utf8))
            #expect(
                try await requests.create(CallRequestBody(to: "+12125550143"), claim: other) { _ in .init(status: 202, body: Data("{}".utf8)) }
                    == .mismatch
            )
            guard case .performed(let first) = answers[0], case .replayed(let second) = answers[1] else {
                Issue.record("\(answers)")
                return
            }
            // The same answer (jsonb keeps it canonically: same fields and values, not the same bytes).
            let decoder = JSONDecoder()
            #expect(try decoder.decode(AcceptedCall.self, from: first.body) == decoder.decode(AcceptedCall.self, from: second.body))
            #expect(first.status == 202 && second.status == 202)
            #expect(try await api.rowCount("call_requests") == 1)
            // The campaign closed since: a retry still gets the first answer, a new call a 409.
            try await api.db.execute("UPDATE dialer.campaigns SET status = 'cancelled' WHERE name = 'api'")
            #expect(
                try await api.requests().create(body, claim: claim) { .init(status: 202, body: try JSONEncoder().encode($0)) } == .replayed(second)
            )
            await #expect(throws: CallRequestError.campaignClosed(name: "api", status: .cancelled)) {
                let fresh = IdempotencyClaim(apiKeyID: key.id, key: "k-3", operation: "POST /v1/calls", request: try JSONEncoder().encode(body))
                _ = try await api.requests().create(body, claim: fresh) { .init(status: 202, body: try JSONEncoder().encode($0)) }
            }
            #expect(try await api.rowCount("call_requests") == 1)
            try await api.db.execute("UPDATE dialer.campaigns SET status = 'active' WHERE name = 'api'")
            // Refused input leaves no key behind.
            let refused = IdempotencyClaim(apiKeyID: key.id, key: "k-2", operation: "POST /v1/calls", request: Data("{}".utf8))
            await #expect(throws: CallRequestError.self) {
                _ = try await requests.create(CallRequestBody(), claim: refused) { _ in .init(status: 202, body: Data()) }
            }
            #expect(try await api.db.scalar("SELECT count(*)::int FROM dialer.idempotency_keys", as: Int.self) == 1)
        }
    }
}
