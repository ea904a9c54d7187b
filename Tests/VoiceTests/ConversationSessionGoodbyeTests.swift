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
}
