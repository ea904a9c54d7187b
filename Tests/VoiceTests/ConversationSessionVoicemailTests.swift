import Foundation
import TestSupport
import Testing
import Voice

/// An answering machine's beep (`ConversationSession.leaveVoicemail()`): whatever the agent
/// was saying is cleared, the message is said once and played to the end, and the call hangs
/// up on its last mark.
@Suite(.runsAlone("real time: 20 ms frames and paced playback")) struct ConversationSessionVoicemailTests {
    @Test func theBeepCutsTheOpeningAndTheMessageIsPlayedToItsLastMark() async throws {
        let message = await StubConversation(agent: StubAgent()).voicemail()
        let call = simulateCall(textToSpeech: StubTextToSpeech(durationsMs: ["opening": 3000, message.text: 1200]))
        call.session.start()
        _ = try await call.waitFor("the opening's first audio") { $0.media.count > 10 ? true : nil }
        #expect(call.session.leaveVoicemail())
        #expect(!call.session.leaveVoicemail(), "a second beep says nothing more")
        // The machine's sounds after the beep are not a turn.
        _ = call.say(speech(syllables: 3))
        _ = try await call.waitFor("the hang-up") { $0.time(of: .hangUp) }
        await call.stop()
        let log = call.log

        let clear = try #require(log.firstIndex(of: .clear))
        #expect(clear < log.firstIndex(of: .mark("agent-1-end-1200ms"))!)
        #expect(log.entries.map(\.speaker) == [.agent, .agent], "\(log.entries)")
        #expect(log.entries.first?.interrupted == true)
        let left = try #require(log.entries.last)
        #expect(left.text == message.text && left.intent == "voicemail" && !left.interrupted)
        #expect(left.endMs - left.startMs == 1200)
        let echo = try #require(log.echoes.first { $0.name == "agent-1-end-1200ms" })
        #expect(log.time(of: .hangUp)! >= echo.at)
        #expect(log.outputs.filter { $0 == .hangUp }.count == 1)
    }

    /// The scripted agent's message: its greeting and disclosure, then the voicemail line.
    @Test func theScriptedAgentsMessageDisclosesTheVoice() async throws {
        var script = AgentScript.default
        script.voicemail = "Call us back on 555 0100."
        let conversation = try await ScriptedAgent(script: script).startConversation(AgentCallContext(callSID: "CA1", firstName: "Ada"))
        let reply = await conversation.voicemail()
        #expect(reply.text.contains(script.disclosure) && reply.text.hasSuffix("Call us back on 555 0100."))
        #expect(reply.text.contains("Ada"))
        #expect(reply.hangUp && reply.intent == "voicemail")
        script.voicemail = " "
        #expect(throws: AgentScriptError.missingVoicemail) { try script.validate() }
    }
}
