import Foundation
import TestSupport
import Testing
import Voice

/// The dialer ending a call itself (`dialer serve` draining for a deploy): the agent's
/// closing line after what it is saying, then the hang-up.
@Suite(.runsAlone("real time: 20 ms frames and paced playback")) struct ConversationSessionGoodbyeTests {
    /// Asked while the opening plays: the opening is played to the end, then the closing,
    /// uninterrupted, and the hang-up only once its last mark has come back.
    @Test func aGoodbyeFollowsTheUtteranceInProgressAndEndsTheCall() async throws {
        let call = simulateCall(textToSpeech: StubTextToSpeech(durationsMs: ["opening": 800, "Goodbye.": 600]))
        call.session.start()
        _ = try await call.waitFor("the opening's first audio") { $0.media.first }
        call.session.sayGoodbye()
        call.session.sayGoodbye()  // a second request says nothing more
        _ = try await call.waitFor("the hang-up") { $0.time(of: .hangUp) }
        await call.stop()
        let log = call.log

        #expect(log.entries.map(\.text) == ["opening", "Goodbye."])
        #expect(log.entries.allSatisfy { !$0.interrupted }, "\(log.entries)")
        #expect(!log.outputs.contains(.clear))
        let echo = try #require(log.echoes.first { $0.name == "agent-1-end-600ms" })
        #expect(log.time(of: .hangUp)! >= echo.at)
        #expect(log.outputs.filter { $0 == .hangUp }.count == 1)
    }

    /// The built-in agent's closing is the script's closing line, and its conversation is
    /// over after it.
    @Test func theScriptedAgentClosesWithTheScriptsClosingLine() async throws {
        let conversation = try await ScriptedAgent(script: .default).startConversation(AgentCallContext(callSID: "CA1"))
        #expect(await conversation.closing() == AgentReply(text: AgentScript.default.closing, hangUp: true))
        #expect(try await conversation.reply(to: Transcription(text: "yes", confidence: 0.9)).hangUp)
    }

    /// A callee who picks a time: the callback is reported as soon as the agent has it, before
    /// the confirmation has played, and the call hangs up once it has.
    @Test func aCallbackIsReportedAtOnceAndTheConfirmationIsHeard() async throws {
        let window = CallbackWindow(
            start: Date(timeIntervalSince1970: 1_796_752_800),
            end: Date(timeIntervalSince1970: 1_796_770_800),
            timeZone: "America/Chicago",
            spoken: "tomorrow afternoon"
        )
        var agent = StubAgent()
        agent.reply = { heard in
            var reply = AgentReply(text: "until tomorrow", hangUp: true, intent: "callback")
            reply.callback = heard?.text == "tomorrow afternoon" ? window : nil
            return reply
        }
        let call = simulateCall(
            agent: agent,
            speechToText: StubSpeechToText(answer: { _, _ in Transcription(text: "tomorrow afternoon", confidence: 0.9) }),
            textToSpeech: StubTextToSpeech(durationsMs: ["opening": 400, "until tomorrow": 1000])
        )
        call.session.start()
        _ = try await call.waitFor("the opening") { $0.entry(.agent, "opening") }
        call.say(speech(syllables: 4))
        _ = try await call.waitFor("the hang-up") { $0.time(of: .hangUp) }
        await call.stop()
        let log = call.log

        let reported = try #require(log.firstIndex(of: .callback(window)))
        #expect(reported < log.firstIndex(of: .mark("agent-1-end-1000ms"))!)
        #expect(log.outputs.filter { $0 == .callback(window) }.count == 1)
        let echo = try #require(log.echoes.first { $0.name == "agent-1-end-1000ms" })
        #expect(log.time(of: .hangUp)! >= echo.at)
        #expect(log.entries.first { $0.speaker == .callee }?.intent == "callback")
    }
}
