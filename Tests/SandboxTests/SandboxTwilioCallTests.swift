import Foundation
import Sandbox
import TestSupport
import Testing
import Twilio

/// The Sandbox Twilio simulates calls as Twilio places them: CPS queue, outcomes, TwiML fetch,
/// signed status callbacks.
@Suite struct SandboxTwilioCallTests {
    static let authToken = "sandbox-auth-token"

    static func client(_ configuration: TwilioConfiguration) -> TwilioClient {
        TwilioClient(configuration: configuration, logger: TestDatabase.testLogger, backoff: .init(base: 0.01, factor: 2, cap: 0.05, jitter: 0))
    }

    static func request(_ receiver: CallbackReceiver, to: String, amd: Bool = true) -> CallRequest {
        var request = CallRequest(
            to: to,
            from: "+14155550100",
            url: receiver.baseURL + "/voice?attempt=a1",
            statusCallback: receiver.baseURL + "/status?attempt=a1"
        )
        if amd { request.asyncAmdStatusCallback = receiver.baseURL + "/amd?attempt=a1" }
        return request
    }

    /// Every request the receiver got is signed as Twilio signs: URL with its query, then the form.
    static func expectSigned(_ received: [CallbackReceiver.Received]) {
        let signer = TwilioSignature(authToken: authToken)
        for request in received {
            #expect(signer.isValid(signature: request.signature ?? "", url: request.url, parameters: request.parameters), "\(request.path)")
        }
    }

    @Test func anAnsweredCallFetchesItsTwiMLReportsAMDAndCallsBackEveryEventInOrderSigned() async throws {
        try await withCallbackReceiver { receiver in
            try await withSandboxTwilio(configure: { $0.timing.talk = .milliseconds(100) }) { sandbox, configuration in
                let call = try await Self.client(configuration).createCall(Self.request(receiver, to: "+14155550123"))
                await sandbox.settle()

                let voice = receiver.requests(path: "/voice")
                #expect(voice.count == 1 && voice.first?.value("CallStatus") == "in-progress" && voice.first?.value("CallSid") == call.sid)
                let amd = receiver.requests(path: "/amd")
                #expect(amd.count == 1 && amd.first?.value("AnsweredBy") == "human")
                let status = receiver.requests(path: "/status")
                #expect(status.map { $0.value("CallStatus") } == ["initiated", "ringing", "in-progress", "completed"])
                #expect(status.map { $0.value("SequenceNumber") } == ["0", "1", "2", "3"])
                #expect(
                    status.allSatisfy {
                        $0.value("CallSid") == call.sid && $0.value("AccountSid") == configuration.accountSID
                            && $0.value("To") == "+14155550123" && $0.value("From") == "+14155550100" && $0.value("Timestamp") != nil
                    }
                )
                let completed = try #require(status.last)
                #expect(
                    completed.value("SipResponseCode") == "200" && completed.value("AnsweredBy") == "human" && completed.value("CallDuration") != nil
                )
                #expect(status.dropLast().allSatisfy { $0.value("CallDuration") == nil && $0.value("SipResponseCode") == nil })
                Self.expectSigned(receiver.requests)

                let fetched = try await Self.client(configuration).call(sid: call.sid)
                #expect(fetched.status == "completed" && fetched.answered_by == "human" && fetched.duration != nil)
                #expect(sandbox.calls.first?.twiml?.contains("<Pause") == true)
            }
        }
    }

    @Test(arguments: [
        (SimulatedOutcome.busy, "busy", "486"), (.noAnswer, "no-answer", "487"), (.failed, "failed", "503"),
    ])
    func unansweredOutcomesEndWithTheirStatusAndSipCodeAndNeverFetchTwiML(outcome: SimulatedOutcome, status: String, sip: String) async throws {
        try await withCallbackReceiver { receiver in
            try await withSandboxTwilio { sandbox, configuration in
                sandbox.script("+14155550124", outcome)
                _ = try await Self.client(configuration).createCall(Self.request(receiver, to: "+14155550124"))
                await sandbox.settle()
                #expect(receiver.requests(path: "/voice").isEmpty && receiver.requests(path: "/amd").isEmpty)
                let last = try #require(receiver.requests(path: "/status").last)
                #expect(last.value("CallStatus") == status && last.value("SipResponseCode") == sip && last.value("CallDuration") == "0")
            }
        }
    }

    @Test func aMachineIsReportedByAMDAndAHangUpThroughTheAPIEndsTheCall() async throws {
        try await withCallbackReceiver { receiver in
            try await withSandboxTwilio(configure: { $0.timing.talk = .seconds(30) }) { sandbox, configuration in
                sandbox.script("+14155550125", .machine)
                let client = Self.client(configuration)
                let call = try await client.createCall(Self.request(receiver, to: "+14155550125"))
                let answered = try await eventually { receiver.requests(path: "/amd").count == 1 }
                #expect(answered)
                // MachineDetection=Enable reports a machine as soon as it is sure, not at the beep.
                #expect(receiver.requests(path: "/amd").first?.value("AnsweredBy") == "machine_start")
                let started = ContinuousClock.now
                #expect(try await client.hangUp(sid: call.sid).status == "completed")
                await sandbox.settle()
                #expect(ContinuousClock.now - started < .seconds(10))
                #expect(receiver.requests(path: "/status").last?.value("CallStatus") == "completed")
            }
        }
    }

    @Test func aRefusedNumberIsTheScriptedTwilioErrorAndNothingRings() async throws {
        try await withCallbackReceiver { receiver in
            try await withSandboxTwilio { sandbox, configuration in
                sandbox.script("+14155550126", .refused(status: 400, code: 21217))
                await #expect(throws: TwilioError.self) {
                    _ = try await Self.client(configuration).createCall(Self.request(receiver, to: "+14155550126"))
                }
                do {
                    _ = try await Self.client(configuration).createCall(Self.request(receiver, to: "+14155550126"))
                } catch let error as TwilioError {
                    #expect(error.isPermanent)
                    guard case let .api(status, code, _, _, _) = error else {
                        Issue.record("\(error)")
                        return
                    }
                    #expect(status == 400 && code == 21217)
                }
                #expect(sandbox.calls.isEmpty && receiver.requests.isEmpty)
            }
        }
    }

    @Test func createsAboveTheAccountCPSAreQueuedAndLeaveTheQueueOneIntervalApart() async throws {
        try await withCallbackReceiver { receiver in
            // 2 a second: the five creates leave over 2 s, so even a loaded machine that spreads
            // their arrival over a second still has one waiting in the queue.
            try await withSandboxTwilio(configure: { $0.callsPerSecond = 2 }) { sandbox, configuration in
                let client = Self.client(configuration)
                let created = try await withThrowingTaskGroup(of: TwilioCall.self) { group in
                    for index in 0..<5 {
                        group.addTask { try await client.createCall(Self.request(receiver, to: "+1415555013\(index)", amd: false)) }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(created.allSatisfy { $0.status == "queued" })
                await sandbox.settle()
                let calls = sandbox.calls
                #expect(calls.allSatisfy { call in call.startTime.map { $0 >= call.dequeueAt } ?? false })
                // Five creates in a burst: each leaves the queue at least 1/CPS after the one before.
                let dequeued = calls.map(\.dequeueAt.timeIntervalSince1970).sorted()
                for (earlier, later) in zip(dequeued, dequeued.dropFirst()) { #expect(later - earlier >= 0.5 - 1e-6) }
                #expect(calls.contains { $0.dequeueAt.timeIntervalSince($0.dateCreated) >= 0.2 })
            }
        }
    }

    @Test func duplicatedAndShuffledCallbacksCarryTheSameEventsEachTwice() async throws {
        try await withCallbackReceiver { receiver in
            try await withSandboxTwilio(configure: { $0.timing.talk = .milliseconds(50) }) { sandbox, configuration in
                sandbox.callbackDelivery = .init(duplicated: true, shuffled: true)
                _ = try await Self.client(configuration).createCall(Self.request(receiver, to: "+14155550127"))
                await sandbox.settle()
                let status = receiver.requests(path: "/status")
                #expect(status.count == 8)
                let events = Dictionary(grouping: status) { "\($0.value("SequenceNumber") ?? "")/\($0.value("CallStatus") ?? "")" }
                #expect(events.mapValues(\.count) == ["0/initiated": 2, "1/ringing": 2, "2/in-progress": 2, "3/completed": 2])
                Self.expectSigned(status)
            }
        }
    }

    @Test func callbacksToAnAddressOffLoopbackAreNeverSent() async throws {
        try await withSandboxTwilio { sandbox, configuration in
            var request = CallRequest(
                to: "+14155550128",
                from: "+14155550100",
                url: "https://dialer.example.com/twilio/voice",
                statusCallback: "https://dialer.example.com/twilio/status"
            )
            request.statusCallbackEvents = ["completed"]
            _ = try await Self.client(configuration).createCall(request)
            await sandbox.settle()
            #expect(!sandbox.deliveries.isEmpty && sandbox.deliveries.allSatisfy { $0.responseStatus == nil })
        }
    }

    @Test func slidingWindowsCountHalfOpenSeconds() {
        #expect(RateWindow.busiest([0, 0.5, 0.99, 1.0, 1.5]) == 3)
        #expect(RateWindow.busiest([0, 0.1, 0.2, 1.2]) == 3)
        #expect(RateWindow.busiest([]) == 0)
        #expect(RateWindow.windowsAbove(2, [0, 0.5, 0.99, 1.0, 1.5]) == 3)
        #expect(RateWindow.windowsAbove(3, [0, 0.5, 0.99, 1.0, 1.5, 1.6]) == 1)
        #expect(RateWindow.windowsAbove(3, [0, 0.5, 0.99, 1.0, 1.5]) == 0)
    }
}
