import Backoff
import Foundation
import Queue
import Store
import TestSupport
import Testing
import Worker

/// Events out, end to end: a call ends through the status callbacks' code path, its
/// `call.ended` waits for the media stream, is published once and reaches a real HTTP receiver
/// on loopback signed as Standard Webhooks say; refusals are retried with the same webhook-id;
/// a receiver that is down leaves a failed delivery that the retry sends again.
@Suite struct WebhookDeliveryTests {
    /// The published Standard Webhooks (and Svix) reference vector: a receiver's library
    /// accepts what we send only if this comes out byte for byte.
    @Test func theSignatureIsStandardWebhooksReferenceVector() throws {
        let signature = try WebhookSignature.sign(
            secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
            timestamp: 1_614_265_330,
            body: #"{"test": 2432232314}"#
        )
        #expect(signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        #expect(throws: WebhookSignature.InvalidSecret.self) { try WebhookSignature.sign(secret: "whsec_", id: "m", timestamp: 1, body: "") }
    }

    /// Retries within the test's patience: the schedule's shape, in tenths of seconds.
    static let quickRetries = RetryBackoff(schedule: [0.05], jitter: 0)

    static func handlers(_ db: Database, streamWait: Duration = .seconds(60), timeout: Duration = .seconds(2)) -> [any JobHandler] {
        [
            PublishCallEndedHandler(database: db, streamWait: streamWait, logger: TestDatabase.testLogger),
            DeliverWebhookHandler(database: db, timeout: timeout, backoff: quickRetries, logger: TestDatabase.testLogger),
        ]
    }

    /// An answered call with a two-turn transcript and its stream open, ended by its callbacks
    /// (`CallStore.record`, as `POST /twilio/status` does) with no grace. Returns its attempt id.
    static func endCall(_ db: Database, streamOpen: Bool = true) async throws -> UUID {
        let (contact, attempt) = try await db.firstAttempt(callSID: "CA1")
        let campaign = try await db.scalar("SELECT campaign_id FROM dialer.contacts WHERE id = \(contact)", as: Int64.self)
        let media = MediaStreamStore(database: db)
        _ = try await media.streamStarted(streamSID: "MZ1", callSID: "CA1", attemptID: attempt, contactID: contact, campaignID: campaign)
        try await media.append(
            [
                TranscriptEntryRecord(
                    seq: 0,
                    speaker: "agent",
                    text: "Hello, this is an automated call.",
                    startMs: 0,
                    endMs: 2400,
                    interrupted: true
                ),
                TranscriptEntryRecord(seq: 1, speaker: "callee", text: "yes", startMs: 2100, endMs: 2900),
            ],
            callSID: "CA1",
            attemptID: attempt
        )
        if !streamOpen { try await media.streamEnded(streamSID: "MZ1", framesReceived: 150, framesSent: 120, malformed: 0) }
        let calls = CallStore(database: db, finalizeGrace: .zero)
        for (n, status) in ["initiated", "ringing", "in-progress", "completed"].enumerated() {
            var event = CallStatusEvent(
                callSID: "CA1",
                attemptID: attempt,
                sequenceNumber: n,
                status: status,
                parameters: ["CallSid": "CA1", "CallStatus": status]
            )
            if status == "completed" {
                event.durationSeconds = 42
                event.answeredBy = "human"
            }
            _ = try await calls.record(event)
        }
        return attempt
    }

    @Test func anEndedCallSendsOneSignedCallEndedWithItsTranscriptOnceTheStreamCloses() async throws {
        try await TestDatabase.withFresh { db, _ in
            try await withWebhookReceiver { receiver in
                let (_, secret) = try await WebhookEndpointStore(database: db).add(
                    name: "crm",
                    url: receiver.baseURL + "/hooks",
                    events: ["call.ended"]
                )
                let attempt = try await Self.endCall(db)
                #expect(
                    try await db.scalar("SELECT unique_key FROM dialer.jobs WHERE kind = 'publish_call_ended'", as: String.self) == "call_ended:CA1"
                )
                try await withRunners([runner(db, Self.handlers(db))]) {
                    try await Task.sleep(for: .milliseconds(700))
                    #expect(receiver.requests.isEmpty, "held while the media stream is open")
                    try await MediaStreamStore(database: db).streamEnded(streamSID: "MZ1", framesReceived: 150, framesSent: 120, malformed: 0)
                    _ = try await receiver.waitFor(1)
                    try await Task.sleep(for: .milliseconds(500))
                }
                let received = receiver.requests
                #expect(received.count == 1, "one delivery")
                let hook = try #require(received.first)
                #expect(hook.path == "/hooks" && hook.contentType == "application/json")
                #expect(hook.isSigned(with: secret))
                let sent = Double(hook.timestamp ?? "") ?? 0
                #expect(abs(hook.receivedAt.timeIntervalSince1970 - sent) < 3, "webhook-timestamp is the attempt's, in unix seconds")
                #expect(hook.id == (try await db.scalar("SELECT id FROM dialer.webhook_events", as: String.self)))
                #expect(hook.json["type"] as? String == "call.ended")
                let data = try #require(hook.json["data"] as? [String: Any])
                #expect(data["callId"] as? String == attempt.uuidString.lowercased() && data["callSid"] as? String == "CA1")
                #expect(data["campaign"] as? String == "calls" && data["contactId"] as? String == "003SB0000000001AAA")
                #expect(data["outcome"] as? String == "Answered" && data["twilioStatus"] as? String == "completed")
                #expect(data["answeredBy"] as? String == "human" && data["durationSeconds"] as? Int == 42)
                #expect(data["contactOutcome"] as? String == "answered")
                #expect(data["to"] as? String == "+1415*****23", "the callee's number masked")
                #expect(!hook.body.contains("14155550123"))
                let transcript = try #require(data["transcript"] as? [[String: Any]])
                #expect(transcript.map { $0["speaker"] as? String } == ["agent", "callee"])
                #expect(transcript.map { $0["text"] as? String } == ["Hello, this is an automated call.", "yes"])
                #expect(transcript.map { $0["startMs"] as? Int } == [0, 2100] && transcript.map { $0["endMs"] as? Int } == [2400, 2900])
                #expect(transcript.first?["interrupted"] as? Bool == true)
                let jobs = try await db.rows(
                    "SELECT kind, state FROM dialer.jobs WHERE kind <> 'finalize_call' ORDER BY id",
                    as: (String, String).self
                )
                #expect(jobs.map(\.0) == ["publish_call_ended", "deliver_webhook"] && jobs.allSatisfy { $0.1 == "completed" })
                // Publishing again (a job run twice) sends nothing twice.
                let event = try await WebhookEventStore(database: db).callEnded(callSID: "CA1", streamWait: .seconds(60))
                guard case .ready(let ended) = event else { throw TestSetupError("\(event)") }
                #expect(try await WebhookEventStore(database: db).publish(ended) == hook.id)
                #expect(try await db.scalar("SELECT count(*)::int FROM dialer.jobs WHERE kind = 'deliver_webhook'", as: Int.self) == 1)
            }
        }
    }

    @Test func aCallWhoseStreamNeverClosesIsPublishedOnceTheStreamWaitRunsOut() async throws {
        try await TestDatabase.withFresh { db, _ in
            try await withWebhookReceiver { receiver in
                _ = try await WebhookEndpointStore(database: db).add(name: "crm", url: receiver.baseURL + "/hooks", events: ["call.ended"])
                _ = try await Self.endCall(db)
                let started = ContinuousClock.now
                try await withRunners([runner(db, Self.handlers(db, streamWait: .seconds(2)))]) {
                    _ = try await receiver.waitFor(1)
                }
                #expect(ContinuousClock.now - started > .seconds(1.5))
                #expect(receiver.requests.first?.body.contains("automated call") == true)
            }
        }
    }

    @Test func noEndpointForCallEndedQueuesNothingAtTheEndOfACall() async throws {
        try await TestDatabase.withFresh { db, _ in
            _ = try await WebhookEndpointStore(database: db).add(name: "crm", url: "https://crm.example.com", events: ["campaign.completed"])
            _ = try await Self.endCall(db, streamOpen: false)
            #expect(try await db.scalar("SELECT count(*)::int FROM dialer.jobs WHERE kind = 'publish_call_ended'", as: Int.self) == 0)
            #expect(try await db.scalar("SELECT count(*)::int FROM dialer.jobs WHERE kind = 'finalize_call'", as: Int.self) == 1)
        }
    }

    @Test func aDeliveryToADisabledEndpointIsCancelledAndNothingIsSent() async throws {
        try await TestDatabase.withFresh { db, _ in
            try await withWebhookReceiver { receiver in
                let store = WebhookEndpointStore(database: db)
                _ = try await store.add(name: "crm", url: receiver.baseURL + "/hooks", events: ["call.ended"])
                // Queued while it was enabled, then the endpoint is disabled.
                try await WebhookEventStore(database: db).publish(type: .callEnded, subject: "call.ended:CA1", payloadJSON: "{}")
                try await store.setEnabled(name: "crm", false)
                try await withRunners([runner(db, Self.handlers(db))]) {
                    let deadline = ContinuousClock.now + .seconds(30)
                    while try await store.deliveries().first?.state != .cancelled, ContinuousClock.now < deadline {
                        try await Task.sleep(for: .milliseconds(50))
                    }
                }
                #expect(try await store.deliveries().map(\.state) == [.cancelled])
                #expect(receiver.requests.isEmpty)
            }
        }
    }

    @Test func aRefusedDeliveryIsRetriedWithTheSameIdUntilItIsTaken() async throws {
        try await TestDatabase.withFresh { db, _ in
            // A redirect is an answer, not followed; a 500; then a 200.
            try await withWebhookReceiver(answering: [302, 500, 200]) { receiver in
                let (_, secret) = try await WebhookEndpointStore(database: db).add(
                    name: "crm",
                    url: receiver.baseURL + "/hooks",
                    events: ["call.ended"]
                )
                _ = try await Self.endCall(db, streamOpen: false)
                try await withRunners([runner(db, Self.handlers(db))]) {
                    _ = try await receiver.waitFor(3)
                    try await Task.sleep(for: .milliseconds(500))
                }
                let received = receiver.requests
                #expect(received.count == 3)
                #expect(Set(received.compactMap(\.id)).count == 1, "one webhook-id on every attempt")
                #expect(Set(received.map(\.body)).count == 1, "the same body on every attempt")
                #expect(received.allSatisfy { $0.isSigned(with: secret) })
                let job = try await db.rows(
                    "SELECT state, attempt, errors ->> 0, errors ->> 1 FROM dialer.jobs WHERE kind = 'deliver_webhook'",
                    as: (String, Int, String, String).self
                )
                #expect(job.first?.0 == "completed" && job.first?.1 == 3)
                #expect(job.first?.2.contains("HTTP 302") == true && job.first?.3.contains("HTTP 500: receiver says no") == true)
            }
        }
    }

    @Test func aReceiverThatIsDownLeavesAFailedDeliveryThatTheRetrySendsAgain() async throws {
        try await TestDatabase.withFresh { db, _ in
            // A port nothing listens on, held so no other test's server can be given it:
            // every attempt is refused.
            let held = try LoopbackPort.held()
            defer { held.close() }
            let closed = held.port
            let store = WebhookEndpointStore(database: db)
            _ = try await store.add(name: "crm", url: "http://127.0.0.1:\(closed)/hooks", events: ["call.ended"])
            _ = try await Self.endCall(db, streamOpen: false)
            // A refused connection is tried again by the HTTP client until the deadline: keep it short.
            try await withRunners([runner(db, Self.handlers(db, timeout: .milliseconds(300)))]) {
                let deadline = ContinuousClock.now + .seconds(90)
                while try await store.deliveries(failedOnly: true).first?.state != .failed, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(50))
                }
            }
            let failed = try #require(try await store.deliveries(failedOnly: true).first)
            #expect(failed.state == .failed && failed.attempts == 8 && failed.endpoint == "crm" && failed.eventType == "call.ended")
            #expect(failed.lastError?.hasPrefix("no answer from 127.0.0.1") == true, "\(failed.lastError ?? "")")
            #expect(try await db.scalar("SELECT count(*)::int FROM dialer.webhook_delivery_failures WHERE state = 'failed'", as: Int.self) == 1)

            // The receiver comes back; the operator points the endpoint at it and retries.
            try await withWebhookReceiver { receiver in
                try await db.execute("UPDATE dialer.webhook_endpoints SET url = \(receiver.baseURL + "/in")")
                #expect(try await store.retry(endpoint: "crm") == 1)
                try await withRunners([runner(db, Self.handlers(db))]) {
                    _ = try await receiver.waitFor(1)
                    // The receiver has it; the job writes it delivered once its answer is in.
                    #expect(try await eventually { try await store.deliveries().first?.state == .delivered })
                }
                #expect(receiver.requests.first?.id == failed.eventID)
                #expect(try await store.deliveries(failedOnly: true).isEmpty)
            }
        }
    }
}
