import Foundation
import Hummingbird
import HummingbirdTesting
import Sandbox
import Store
import TestSupport
import Testing
import Twilio
import Webhooks

@Suite struct MachineDetectionTests {
    /// A call the Sandbox Twilio holds, and the attempt that placed it.
    static func placedCall(_ db: Database, _ client: TwilioClient) async throws -> (sid: String, attempt: UUID) {
        let call = try await client.createCall(
            CallRequest(
                to: "+14155550123",
                from: "+14155550100",
                url: "https://dialer.example.com/twilio/voice",
                statusCallback: "https://dialer.example.com/twilio/status"
            )
        )
        let attempt = try await StatusCallbackTests.attempt(db)
        try await db.execute("UPDATE dialer.call_attempts SET call_sid = \(call.sid)")
        return (call.sid, attempt)
    }

    static func hangUps(_ sandbox: SandboxTwilio, _ sid: String) -> Int {
        sandbox.requests.filter { $0.method == "POST" && $0.path.hasSuffix("/Calls/\(sid).json") && $0.form["Status"] == ["completed"] }.count
    }

    @Test func aMachineIsHungUpOnOnceUnderTheHangUpPolicyAndTheCallsEndRetriesLater() async throws {
        try await TestDatabase.withFresh { db, _ in
            try await withSandboxTwilio(configure: { $0.simulatesCalls = false }) { sandbox, twilio in
                let client = TwilioClient(configuration: twilio, logger: TestDatabase.testLogger)
                let (sid, attempt) = try await Self.placedCall(db, client)
                let router = Router()
                MachineDetectionRoutes(configuration: StatusCallbackTests.configuration, calls: CallStore(database: db), control: client).add(
                    to: router
                )
                try await Application(router: router).test(.router) { http in
                    let uri = "/twilio/amd?attempt=\(attempt.uuidString.lowercased())"
                    let result = [("CallSid", sid), ("AnsweredBy", "machine_end_beep"), ("MachineDetectionDuration", "2100")]
                    let first = try await StatusCallbackTests.post(http, uri, result)
                    let again = try await StatusCallbackTests.post(http, uri, result)
                    #expect(first == .noContent && again == .noContent)
                }
                #expect(Self.hangUps(sandbox, sid) == 1)
                #expect(
                    try await db.scalar("SELECT status || ' ' || answered_by FROM dialer.calls", as: String.self) == "in-progress machine_end_beep"
                )
                // When the call ends, the policy reads who answered: a machine under hang_up is called again later.
                guard
                    case .recorded(true, let ended?) = try await CallStore(database: db).record(
                        CallStatusEvent(callSID: sid, attemptID: attempt, sequenceNumber: 3, status: "completed", parameters: [:])
                    )
                else {
                    Issue.record("the call did not end")
                    return
                }
                #expect(ended.decision == .retry(after: .seconds(14400)))
            }
        }
    }

    @Test func aPersonOrAMachineUnderTheLeaveMessagePolicyIsNotHungUpOn() async throws {
        try await TestDatabase.withFresh { db, _ in
            try await withSandboxTwilio(configure: { $0.simulatesCalls = false }) { sandbox, twilio in
                let client = TwilioClient(configuration: twilio, logger: TestDatabase.testLogger)
                let (sid, attempt) = try await Self.placedCall(db, client)
                try await db.execute("UPDATE dialer.campaigns SET voicemail_policy = 'leave_message'")
                let router = Router()
                MachineDetectionRoutes(configuration: StatusCallbackTests.configuration, calls: CallStore(database: db), control: client).add(
                    to: router
                )
                try await Application(router: router).test(.router) { http in
                    let uri = "/twilio/amd?attempt=\(attempt.uuidString.lowercased())"
                    let machine = try await StatusCallbackTests.post(http, uri, [("CallSid", sid), ("AnsweredBy", "machine_end_silence")])
                    #expect(machine == .noContent)
                    let malformed = try await StatusCallbackTests.post(http, uri, [("CallSid", sid)])
                    #expect(malformed == .badRequest)
                    let forged = try await StatusCallbackTests.post(http, uri, [("CallSid", sid), ("AnsweredBy", "human")], token: "wrong")
                    #expect(forged == .forbidden)
                }
                #expect(Self.hangUps(sandbox, sid) == 0)
                #expect(try await db.scalar("SELECT answered_by FROM dialer.calls", as: String.self) == "machine_end_silence")
                #expect(try await db.scalar("SELECT count(*)::int FROM dialer.call_events", as: Int.self) == 1)
            }
        }
    }
}
