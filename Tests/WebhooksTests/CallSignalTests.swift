import Foundation
import Hummingbird
import HummingbirdTesting
import Sandbox
import Store
import TestSupport
import Testing
import Twilio
import Voice

@testable import Webhooks

/// The AMD callback and the media stream of one call reach different `dialer serve`
/// processes (here: two registries on one database): the end of a machine's greeting still
/// reaches the conversation, through NOTIFY, or when its process listens again.
@Suite struct CallSignalTests {
    /// Synthesizes nothing, so a message is "played" at once and the hang-up follows.
    struct Silent: TextToSpeech {
        func synthesize(_ text: String) async throws -> [UInt8] { [] }
    }

    static func session(_ callSID: String) throws -> ConversationSession {
        ConversationSession(
            call: AgentCallContext(callSID: callSID),
            agent: try ScriptedAgent(),
            speechToText: PocketSphinxSpeechToText(),
            textToSpeech: Silent()
        )
    }

    /// Whether the session hangs up (its voicemail message said) within `timeout`.
    static func hangsUp(_ session: ConversationSession, within timeout: Duration) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                for await output in session.outputs where output == .hangUp { return true }
                return false
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            await session.stop()
            return first
        }
    }

    /// A placed call of a `leave_message` campaign, on a fresh database.
    static func withLeaveMessageCall(_ body: @Sendable (String, UUID, CallStore) async throws -> Void) async throws {
        try await TestDatabase.withFresh { db, _ in
            try await withSandboxTwilio(configure: { $0.simulatesCalls = false }) { _, twilio in
                let client = TwilioClient(configuration: twilio, logger: TestDatabase.testLogger)
                let (sid, attempt) = try await MachineDetectionTests.placedCall(db, client)
                try await db.execute("UPDATE dialer.campaigns SET voicemail_policy = 'leave_message'")
                try await body(sid, attempt, CallStore(database: db))
            }
        }
    }

    @Test func theMachinesGreetingEndReachesTheProcessHoldingTheStream() async throws {
        try await Self.withLeaveMessageCall { sid, attempt, calls in
            // The process holding the stream, listening; the one the callback reaches holds none.
            let holding = LiveConversations(calls: calls)
            let elsewhere = LiveConversations(calls: calls)
            let session = try Self.session(sid)
            holding.bind(holding.opened(), to: session, callSID: sid)
            try await Task.sleep(for: .milliseconds(300))  // its LISTEN is up

            let router = Router()
            MachineDetectionRoutes(configuration: StatusCallbackTests.configuration, calls: calls, control: nil, conversations: elsewhere)
                .add(to: router)
            try await Application(router: router).test(.router) { http in
                let uri = "/twilio/amd?attempt=\(attempt.uuidString.lowercased())"
                let status = try await StatusCallbackTests.post(http, uri, [("CallSid", sid), ("AnsweredBy", "machine_end_beep")])
                #expect(status == .noContent)
            }
            #expect(await Self.hangsUp(session, within: .seconds(5)), "the signal never reached the stream's process")
            #expect(!session.leaveVoicemail(), "the message was already on its way")
        }
    }

    /// A process that was not listening when the signal went out (its stream bound just
    /// after, or its connection was down) reads the call's state when it listens.
    @Test func aProcessThatMissedTheSignalCatchesUpWhenItListens() async throws {
        try await Self.withLeaveMessageCall { sid, attempt, calls in
            let result = try await calls.recordMachineDetection(
                callSID: sid,
                attemptID: attempt,
                answeredBy: "machine_end_other",
                parameters: ["CallSid": sid]
            )
            #expect(result == .recorded(machine: true, hangUp: false, leaveVoicemail: true))
            try await calls.signal(.leaveVoicemail(callSID: sid))  // nobody listens yet

            let late = LiveConversations(calls: calls)
            let session = try Self.session(sid)
            late.bind(late.opened(), to: session, callSID: sid)
            #expect(await Self.hangsUp(session, within: .seconds(5)))

            // A person, or a machine still in its greeting, leaves nothing due.
            #expect(try await calls.callsLeavingVoicemail(among: ["CA_unknown", sid]) == [sid])
            try await calls.database.execute("UPDATE dialer.calls SET answered_by = 'machine_start'")
            #expect(try await calls.callsLeavingVoicemail(among: [sid]).isEmpty)
        }
    }

    @Test func signalsReadBackAsSent() {
        #expect(CallSignal(payload: CallSignal.leaveVoicemail(callSID: "CA1").payload) == .leaveVoicemail(callSID: "CA1"))
        #expect(CallSignal(payload: "transfer:CA1") == nil)
        #expect(CallSignal(payload: "voicemail:") == nil)
    }
}
