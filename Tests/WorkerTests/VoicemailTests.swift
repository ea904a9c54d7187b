import Foundation
import Sandbox
import Store
import TestSupport
import Testing
import Voice

/// Answering machines under `leave_message`, over a real socket: the call is created with
/// AMD that waits for the greeting's end, the Sandbox's machines play greetings of their own
/// lengths and a beep (or none), and the agent leaves its message once, after the beep, and
/// hangs up when Twilio's mark says it played.
@Suite(.runsAlone("real time: whole calls over the media socket with the embedded recognizer")) struct VoicemailTests {
    @Test func theMessageIsLeftAfterTheBeepOnceAndHeardToTheEnd() async throws {
        try await Dialing.with(contacts: 2) { dialing in
            try await dialing.db.execute("UPDATE dialer.campaigns SET voicemail_policy = 'leave_message'")
            dialing.sandbox.script(Dialing.number(0), .machine)
            dialing.sandbox.speak(
                Dialing.number(0),
                .answeringMachine("Hi, this is Sam. I cannot take your call right now, so please leave your name and number after the tone.")
            )
            dialing.sandbox.script(Dialing.number(1), .machine)
            dialing.sandbox.speak(Dialing.number(1), .answeringMachine("Leave a message.", beep: nil))

            try await LiveWebhooks.withWebhooks(dialing, voice: try LiveConversationTests.embeddedVoice()) { publicURL in
                try await LiveCallbackTests.dialAll(dialing, publicURL: publicURL, timeout: .seconds(90))
                let closed = try await eventually(timeout: .seconds(15)) {
                    try await dialing.db.scalar("SELECT count(*)::int FROM dialer.media_streams WHERE ended_at IS NOT NULL", as: Int.self) == 2
                }
                #expect(closed)
            }

            // Twilio was asked to wait for the greeting's end, and said how it ended.
            #expect(dialing.sandbox.calls.allSatisfy { $0.request["MachineDetection"] == ["DetectMessageEnd"] })
            let amd = dialing.sandbox.deliveries.filter { $0.kind == .amd }.map { ($0.parameters["To"] ?? "", $0.parameters["AnsweredBy"] ?? "") }
            #expect(Set(amd.map { "\($0.0) \($0.1)" }) == ["\(Dialing.number(0)) machine_end_beep", "\(Dialing.number(1)) machine_end_silence"])

            let message = AgentScript.default.voicemailMessage(for: AgentCallContext(callSID: ""))
            for (index, contact) in dialing.contacts.enumerated() {
                let session = try #require(dialing.sandbox.mediaSessions.first { $0.customParameters["contact"] == String(contact) })
                let recordingFrom = try #require(session.recordingFromMs, "machine \(index) never finished its greeting")
                // No word of the message before the beep: its stretch of audio starts after
                // it, and the machine recorded all of it (the opening, talked over the
                // greeting, was cut off by a clear at the beep).
                let spoken = try await TranscriptRow.all(dialing.db, contact: contact)
                let left = spoken.filter { $0.speaker == "agent" && $0.text == message }
                #expect(left.count == 1, "\(spoken)")
                let entry = try #require(left.first)
                #expect(!entry.interrupted)
                let messageMs = entry.endMs - entry.startMs
                let last = try #require(session.agentPlayback.last)
                #expect(last.startMs >= recordingFrom, "the message began at \(last.startMs) ms, the recording at \(recordingFrom) ms")
                #expect(abs((last.endMs - last.startMs) - messageMs) <= 40, "\(last) against \(messageMs) ms")
                #expect(session.recordedAgentMs >= messageMs && session.recordedAgentMs <= messageMs + 300, "\(session.recordedAgentMs) ms recorded")
                // Hung up by the dialer once the message's last mark came back.
                #expect(session.ending == .dialerClosed)
                #expect(session.marksEchoed.last == session.marksReceived.last)
                let intent = try await dialing.db.scalar(
                    "SELECT intent FROM dialer.transcript_entries t JOIN dialer.call_attempts a ON a.id = t.attempt_id WHERE a.contact_id = \(contact) AND t.text = \(message)",
                    as: String?.self
                )
                #expect(intent == "voicemail")
            }
            // A finished attempt: the contacts are done, no second call queued.
            let outcomes = try await dialing.db.rows("SELECT outcome FROM dialer.contacts ORDER BY id", as: String?.self)
            #expect(outcomes == ["voicemail_left", "voicemail_left"])
        }
    }
}
