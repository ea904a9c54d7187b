import Foundation
import TestSupport
import Testing
import Voice

/// Turns ended by what was said: at a pause the agent's verdict ends the turn at once, makes
/// it wait longer, or leaves it to the usual silence.
@Suite(.runsAlone("real time: 20 ms frames and paced playback")) struct ConversationSessionPauseTests {
    /// Speech, a gap, speech again, then silence; the callee entries the session made of it.
    static func calleeTurns(gapMs: Int, verdict: TurnCompleteness?) async throws -> [TranscriptEntry] {
        var agent = StubAgent()
        if let verdict { agent.completeness = { _ in verdict } }
        let call = simulateCall(agent: agent)
        let word = speech(syllables: 3)
        call.say(word + [Int16](repeating: 0, count: gapMs * 8) + word)
        _ = try await call.waitFor("the last answer") { log in
            log.entries.filter { $0.speaker == .agent }.count >= 1 && call.lineMs > (2 * word.count / 8 + gapMs + 2000) ? true : nil
        }
        await call.stop()
        return call.log.entries.filter { $0.speaker == .callee }
    }

    @Test func aWholeAnswerEndsTheTurnAtItsPause() async throws {
        // 450 ms is inside the usual 700 ms: without a verdict it is one turn.
        #expect(try await Self.calleeTurns(gapMs: 450, verdict: nil).count == 1)
        #expect(try await Self.calleeTurns(gapMs: 450, verdict: .unsure).count == 1)
        let ended = try await Self.calleeTurns(gapMs: 450, verdict: .complete)
        #expect(ended.count == 2, "\(ended)")
    }

    @Test func anUnfinishedPhraseWaitsLonger() async throws {
        // 900 ms ends the turn after the usual 700 ms, not after 1,200 ms.
        #expect(try await Self.calleeTurns(gapMs: 900, verdict: .unsure).count == 2)
        #expect(try await Self.calleeTurns(gapMs: 900, verdict: .unfinished).count == 1)
    }

    /// A reply's first sentence is played while the rest is synthesized: its audio goes out
    /// before the slow rest is ready, and the transcript still has the reply as one entry,
    /// ended by one final mark after all of it.
    @Test func theFirstSentenceSpeaksWhileTheRestIsSynthesized() async throws {
        var agent = StubAgent()
        agent.opening = AgentReply(text: "Hello there. This part takes long to make.")
        let tts = StubTextToSpeech(
            durationsMs: ["Hello there.": 400, "This part takes long to make.": 600],
            delaysMs: ["This part takes long to make.": 700]
        )
        let call = simulateCall(agent: agent, textToSpeech: tts)
        call.session.start()
        let entry = try await call.waitFor("the opening's entry") { $0.entry(.agent, "Hello there. This part takes long to make.") }
        await call.stop()
        let log = call.log
        #expect(tts.synthesized.all == ["Hello there.", "This part takes long to make."])
        // The first words went out at once, not after the 700 ms the rest took.
        let firstMedia = try #require(log.records.first { if case .media = $0.output { true } else { false } })
        #expect(firstMedia.at < .milliseconds(500), "first audio at \(firstMedia.at)")
        #expect(log.media.count == 50, "400 ms and 600 ms of audio: 50 chunks")
        #expect(log.marks.filter { $0.contains("-end-") } == ["agent-0-end-1000ms"])
        #expect(!entry.interrupted && entry.endMs - entry.startMs == 1000)
        #expect(log.entries.filter { $0.speaker == .agent }.count == 1)
    }

    /// The scripted agent: an answer of several words is whole; a one-word answer only if
    /// the recognizer still hears it with the hesitations to choose from; a filler or a
    /// word that leads on is unfinished.
    @Test func theScriptedAgentJudgesByTheStepsPhrases() async throws {
        let conversation = try await ScriptedAgent(script: .default).startConversation(AgentCallContext(callSID: "CA1"))
        func verdict(_ text: String?, hesitant: String?, confidence: Double = 0.9) async -> TurnCompleteness {
            await conversation.turnCompleteness(text.map { Transcription(text: $0, confidence: confidence) }) {
                hesitant.map { Transcription(text: $0, confidence: 0.9) }
            }
        }
        #expect(await conversation.judgesTurnEnds)
        #expect(await verdict("no thanks", hesitant: "uh and") == .complete, "several words need no second opinion")
        #expect(await verdict("stop calling me", hesitant: nil) == .complete)
        #expect(await verdict("yes", hesitant: "yes hmm") == .complete)
        #expect(await verdict("no", hesitant: "no") == .unsure, "\"no thanks\" may be on its way")
        #expect(await verdict("purple", hesitant: "let me think operator") == .unfinished, "a hesitation, and no answer heard")
        #expect(await verdict("later", hesitant: "let me think operator") == .unsure, "an answer heard, but not again")
        #expect(await verdict("a real person", hesitant: nil) == .complete)
        #expect(await verdict("no", hesitant: "so") == .unfinished, "\"so\" heard as \"no\"")
        #expect(await verdict("no", hesitant: "uh um") == .unfinished)
        #expect(await verdict(nil, hesitant: "let me think") == .unfinished)
        #expect(await verdict("purple", hesitant: "purple") == .unsure)
        #expect(await verdict("yes", hesitant: "yes", confidence: 0.1) == .unsure)
        #expect(await verdict(nil, hesitant: nil) == .unsure)
        // Judging changed nothing: the step still takes "yes".
        #expect(try await conversation.reply(to: Transcription(text: "yes", confidence: 0.9)).intent == "interested")
    }
}
