import Foundation
import TestSupport
import Testing
import Voice

/// A session over stub services, with a simulated Twilio around it.
func simulateCall(
    agent: StubAgent = StubAgent(),
    speechToText: any SpeechToText = StubSpeechToText(),
    textToSpeech: any TextToSpeech = StubTextToSpeech(),
    configuration: ConversationConfiguration = ConversationConfiguration()
) -> CallSimulator {
    CallSimulator(
        ConversationSession(
            call: AgentCallContext(callSID: "CA0123456789abcdef0123456789abcdef", firstName: "Jane"),
            agent: agent,
            speechToText: speechToText,
            textToSpeech: textToSpeech,
            configuration: configuration
        )
    )
}

extension CallSimulator.Log {
    func entry(_ speaker: TranscriptEntry.Speaker, _ text: String) -> TranscriptEntry? {
        entries.first { $0.speaker == speaker && $0.text == text }
    }

    /// Media messages sent before the first output equal to `output`.
    func mediaCount(before output: ConversationOutput) -> Int? {
        guard let index = firstIndex(of: output) else { return nil }
        return outputs[..<index].filter { if case .media = $0 { true } else { false } }.count
    }
}

/// Voiced syllables, as the callee's speech: 3 of them last 0.68 s.
func speech(syllables: Int) -> [Int16] {
    TestSignals.syllables(count: syllables)
}

@Suite(.runsAlone("real time: 20 ms frames and paced playback")) struct ConversationSessionTests {
    /// The opening goes out as 160-byte chunks at the rate it plays, never more than the
    /// lead ahead, with a mark each second and one at its end; the transcript gets it once
    /// the end mark comes back.
    @Test func theOpeningIsPacedInChunksWithMarks() async throws {
        let call = simulateCall(textToSpeech: StubTextToSpeech(durationsMs: ["opening": 2500]))
        call.session.start()
        let entry = try await call.waitFor("the opening's entry") { $0.entry(.agent, "opening") }
        await call.stop()
        let log = call.log

        #expect(log.media.count == 125)
        #expect(log.media.allSatisfy { $0.count == 160 })
        #expect(log.marks == ["agent-0-1000ms", "agent-0-2000ms", "agent-0-end-2500ms"])
        #expect(log.mediaCount(before: .mark("agent-0-1000ms")) == 50)
        #expect(log.mediaCount(before: .mark("agent-0-2000ms")) == 100)
        #expect(log.mediaCount(before: .mark("agent-0-end-2500ms")) == 125)

        // Paced, measured from when the session sent the first chunk (the entry's start:
        // stream time here is session time plus at most one frame): never more than the
        // 300 ms lead ahead of playback, and so spread over the audio's length less the
        // lead. Received times are used because a chunk cannot arrive before it is sent.
        let times = log.records.filter { if case .media = $0.output { true } else { false } }.map(\.at)
        let firstReceived = try #require(times.first)
        #expect(entry.startMs >= 0 && entry.startMs <= firstReceived.wholeMs + 25, "\(entry), first chunk at \(firstReceived)")
        for (index, time) in times.enumerated() {
            let sinceFirstSent = time.wholeMs - entry.startMs + 20
            #expect((index + 1) * 20 <= sinceFirstSent + 300 + 20, "chunk \(index) at \(time)")
        }
        #expect(times.last!.wholeMs - entry.startMs >= 2500 - 300 - 40, "not all at once")

        #expect(entry.seq == 0)
        #expect(entry.endMs - entry.startMs == 2500)
        #expect(!entry.interrupted && entry.confidence == nil)
    }

    /// Agent, callee, agent: numbered in order, with stream times that fit the audio, the
    /// agent's intent on the callee's line, and the latency of the answer.
    @Test func theTranscriptHasBothSpeakersInOrder() async throws {
        var agent = StubAgent()
        agent.reply = { _ in AgentReply(text: "Great, thank you.", intent: "interested") }
        let stt = StubSpeechToText()
        let call = simulateCall(
            agent: agent,
            speechToText: stt,
            textToSpeech: StubTextToSpeech(durationsMs: ["opening": 600, "Great, thank you.": 800])
        )
        call.session.start()
        _ = try await call.waitFor("the opening") { $0.entry(.agent, "opening") }
        let spokenMs = call.say(TestSignals.silence(seconds: 0.3) + speech(syllables: 3)) + 300
        _ = try await call.waitFor("the answer") { $0.entry(.agent, "Great, thank you.") }
        await call.stop()
        let log = call.log

        #expect(log.entries.map(\.seq) == [0, 1, 2])
        #expect(log.entries.map(\.speaker) == [.agent, .callee, .agent])
        let callee = log.entries[1]
        #expect(callee.text == "yes" && callee.confidence == 0.9 && callee.intent == "interested")
        #expect(abs(callee.startMs - spokenMs) <= 100, "\(callee), speech at \(spokenMs)")
        #expect(abs(callee.endMs - (spokenMs + 680)) <= 100, "\(callee)")
        #expect(!callee.interrupted)

        let answer = log.entries[2]
        #expect(answer.startMs >= callee.endMs + 700, "\(answer)")
        #expect(answer.endMs - answer.startMs == 800)
        let latency = try #require(log.outputs.compactMap { if case .turnLatency(let d) = $0 { d } else { nil } }.first)
        #expect(latency == .milliseconds(answer.startMs - callee.endMs))
        #expect(latency < .seconds(5))

        #expect(agent.heard.all == [Transcription(text: "yes", confidence: 0.9)])
        // The recognizer got the turn with its pre-roll and post-roll, not the long
        // silence that ended it.
        let samples = try #require(stt.calls.all.first?.samples)
        #expect(abs(samples - (680 + 300 + 300) * 8) <= 100 * 8, "\(samples) samples")
    }

    /// The callee talks over a long reply: `clear`, nothing more of it sent, its entry
    /// interrupted where the last echoed mark says playback was; the marks Twilio sends
    /// back after the clear change nothing; the callee's turn is answered as usual.
    @Test func bargeInClearsAndInterruptsAtTheLastConfirmedMark() async throws {
        let replies = Counter()
        var agent = StubAgent()
        agent.reply = { _ in AgentReply(text: replies.next() == 0 ? "long reply" : "short") }
        let call = simulateCall(
            agent: agent,
            textToSpeech: StubTextToSpeech(durationsMs: ["opening": 400, "long reply": 4000, "short": 400])
        )
        call.session.start()
        _ = try await call.waitFor("the opening") { $0.entry(.agent, "opening") }
        call.say(speech(syllables: 3))
        _ = try await call.waitFor("the first second of the reply played") { log in
            log.echoes.first { $0.name == "agent-1-1000ms" && !$0.cleared }
        }
        let bargeInMs = call.say(speech(syllables: 4))
        _ = try await call.waitFor("the second answer") { $0.entry(.agent, "short") }
        await call.stop()
        let log = call.log

        let clearAt = try #require(log.time(of: .clear))
        let confirmed = log.echoes.filter { $0.name.hasPrefix("agent-1-") && !$0.cleared && $0.at < clearAt }
        let confirmedMs = try #require(confirmed.last.flatMap { Int($0.name.split(separator: "-")[2].dropLast(2)) })
        let interrupted = try #require(log.entry(.agent, "long reply"))
        #expect(interrupted.interrupted)
        #expect(interrupted.endMs - interrupted.startMs == confirmedMs)
        #expect(confirmedMs < 4000)
        #expect(log.entries.filter { $0.text == "long reply" }.count == 1)

        // Nothing of the long reply after the clear: the next media is the short answer's.
        let clearIndex = try #require(log.firstIndex(of: .clear))
        let sentBefore = try #require(log.mediaCount(before: .clear))
        let openingChunks = 20
        #expect(sentBefore - openingChunks < 200)
        let afterClear = log.outputs[(clearIndex + 1)...]
        let nextLatency = try #require(afterClear.firstIndex { if case .turnLatency = $0 { true } else { false } })
        #expect(!log.outputs[(clearIndex + 1)..<nextLatency].contains { if case .media = $0 { true } else { false } })

        #expect(log.entries.map(\.speaker) == [.agent, .callee, .agent, .callee, .agent])
        let bargeIn = log.entries[3]
        #expect(abs(bargeIn.startMs - bargeInMs) <= 100, "\(bargeIn), speech at \(bargeInMs)")
        #expect(bargeIn.startMs <= interrupted.endMs + 1000 + 300, "the callee spoke before the next mark")
    }

    /// "Stop calling me": the opt-out at once, the goodbye played to the end even though
    /// the callee talks over it, and the hang-up only once its last mark is echoed.
    @Test func anOptOutHangsUpAfterTheGoodbyeHasPlayed() async throws {
        var agent = StubAgent()
        agent.reply = { heard in
            heard?.text == "stop calling me"
                ? AgentReply(text: "goodbye", optOut: true, hangUp: true, intent: "opt_out")
                : AgentReply(text: "pardon?")
        }
        let call = simulateCall(
            agent: agent,
            speechToText: StubSpeechToText(answer: { _, _ in Transcription(text: "stop calling me", confidence: 0.8) }),
            textToSpeech: StubTextToSpeech(durationsMs: ["opening": 400, "goodbye": 1200])
        )
        call.session.start()
        _ = try await call.waitFor("the opening") { $0.entry(.agent, "opening") }
        call.say(speech(syllables: 4))
        _ = try await call.waitFor("the goodbye") { log in
            log.outputs.contains { if case .turnLatency = $0 { true } else { false } } ? true : nil
        }
        call.say(speech(syllables: 3))
        _ = try await call.waitFor("the hang-up") { $0.time(of: .hangUp) }
        await call.stop()
        let log = call.log

        let optOut = try #require(log.firstIndex(of: .optOut))
        let hangUp = try #require(log.firstIndex(of: .hangUp))
        #expect(optOut < log.firstIndex(of: .mark("agent-1-end-1200ms"))!)
        let echo = try #require(log.echoes.first { $0.name == "agent-1-end-1200ms" })
        #expect(!echo.cleared)
        #expect(log.time(of: .hangUp)! >= echo.at)
        #expect(!log.outputs.contains(.clear), "a goodbye is not interrupted")
        let goodbye = try #require(log.entry(.agent, "goodbye"))
        #expect(!goodbye.interrupted && goodbye.endMs - goodbye.startMs == 1200)
        #expect(log.outputs.firstIndex(of: .transcriptEntry(goodbye))! < hangUp)
        #expect(log.outputs.filter { $0 == .optOut || $0 == .hangUp }.count == 2)
        #expect(log.entries.first { $0.speaker == .callee }?.intent == "opt_out")
        // The words over the goodbye are still transcribed, and nothing more is said.
        #expect(log.entries.map(\.speaker) == [.agent, .callee, .agent, .callee])
        #expect(log.entry(.agent, "pardon?") == nil)
    }

    /// The call ends while the callee is speaking: their turn is transcribed and recorded,
    /// the agent sees it (an opt-out would count), and the outputs finish.
    @Test func stoppingMidTurnFlushesTheCalleeEntry() async throws {
        let agent = StubAgent()
        let call = simulateCall(agent: agent, textToSpeech: StubTextToSpeech(durationsMs: ["opening": 400]))
        call.session.start()
        _ = try await call.waitFor("the opening") { $0.entry(.agent, "opening") }
        let spokenMs = call.say(speech(syllables: 8))
        _ = try await call.waitFor("a second of speech") { _ in call.lineMs > spokenMs + 1000 ? true : nil }
        await call.stop()
        let log = call.log

        #expect(log.finished)
        #expect(log.entries.map(\.speaker) == [.agent, .callee])
        let callee = log.entries[1]
        #expect(callee.text == "yes")
        #expect(abs(callee.startMs - spokenMs) <= 100, "\(callee)")
        #expect(callee.endMs > callee.startMs + 500 && callee.endMs <= call.lineMs, "\(callee)")
        #expect(agent.heard.all.count == 1)
        #expect(log.media.count == 20, "nothing spoken after the stop")
    }

    /// The call ends while the agent is speaking: its entry is interrupted at the last
    /// mark Twilio confirmed.
    @Test func stoppingMidUtteranceInterruptsTheAgentEntry() async throws {
        let call = simulateCall(textToSpeech: StubTextToSpeech(durationsMs: ["opening": 3000]))
        call.session.start()
        _ = try await call.waitFor("a second played") { $0.echoes.first { $0.name == "agent-0-1000ms" } }
        await call.stop()
        let entry = try #require(call.log.entry(.agent, "opening"))
        #expect(entry.interrupted)
        #expect([1000, 2000].contains(entry.endMs - entry.startMs), "\(entry)")
        #expect(!call.log.outputs.contains(.clear))
    }
}

extension Duration {
    var wholeMs: Int {
        Int(components.seconds) * 1000 + Int(components.attoseconds / 1_000_000_000_000_000)
    }
}
