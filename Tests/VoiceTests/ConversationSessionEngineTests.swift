import Foundation
import TestSupport
import Testing
import Voice
import VoiceBenchmark

@Suite(.runsAlone("real time: 20 ms frames and paced playback")) struct ConversationSessionEngineTests {
    /// The embedded engines end to end: espeak-ng speaks the opening, the callee's
    /// synthesized "yes" comes in as 20 ms frames in real time, PocketSphinx hears it with
    /// the agent's phrases, and the agent's answer is spoken back.
    @Test func espeakAndPocketSphinxHoldAConversation() async throws {
        let recognizer = PocketSphinxSpeechToText()
        try await recognizer.prepare()
        var agent = StubAgent()
        agent.opening = AgentReply(text: "Hello. Please say yes or no.")
        agent.hints = RecognitionHints(phrases: ["yes", "no", "stop calling me"])
        agent.reply = { heard in
            AgentReply(text: heard?.text == "yes" ? "Thank you." : "Sorry?", intent: heard?.text)
        }
        let call = simulateCall(agent: agent, speechToText: recognizer, textToSpeech: EspeakTextToSpeech())
        call.session.start()
        let opening = try await call.waitFor("the opening") { $0.entry(.agent, "Hello. Please say yes or no.") }

        // Another voice for the callee, so the test does not only hear itself.
        let yes = MuLaw.decode(try await EspeakTextToSpeech(voice: "en-us", wordsPerMinute: 140, pitch: 35).synthesize("yes"))
        let spokenMs = call.say(TestSignals.silence(seconds: 0.3) + yes)
        let answer = try await call.waitFor("the answer", timeout: .seconds(30)) { $0.entry(.agent, "Thank you.") }
        await call.stop()
        let log = call.log

        #expect(log.entries.map(\.speaker) == [.agent, .callee, .agent])
        let callee = log.entries[1]
        #expect(callee.text == "yes", "\(callee)")
        #expect((callee.confidence ?? 0) >= 0.5, "\(callee)")
        #expect(callee.intent == "yes")
        #expect(callee.startMs >= spokenMs && callee.startMs <= spokenMs + 300 + 300, "\(callee), spoken at \(spokenMs)")
        #expect(callee.startMs > opening.endMs)
        #expect(answer.startMs > callee.endMs && !answer.interrupted)
        #expect(answer.endMs - answer.startMs > 300, "\(answer)")
        // The answer went out as audio: after the callee's turn, more media than the opening's.
        let openingChunks = (opening.endMs - opening.startMs) / 20
        #expect(log.media.count == openingChunks + (answer.endMs - answer.startMs) / 20)
    }

    /// Not a timed assertion: prints what a frame costs with a few dozen calls at once
    /// (a debug build; the figure that matters is a release build's, see the report).
    @Test func measuresTheFrameCost() async {
        let cost = await ConversationBenchmark.measureFrameCost(sessions: 40, seconds: 3, realTime: false)
        #expect(cost.frames == 40 * 150)
        #expect(cost.p50 <= cost.p99 && cost.p99 <= cost.max)
        print("ConversationSession frame cost (debug build): \(cost)")
    }
}
