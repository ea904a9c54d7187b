import Foundation
import TestSupport
import Testing
import Voice

/// What the session does when its services fail, are slow, or the callee does something
/// awkward: it carries on, or ends the call politely, and frames never wait.
@Suite(.runsAlone("real time: 20 ms frames and paced playback")) struct ConversationSessionRobustnessTests {
    /// A recognizer error is reported and the turn counts as unrecognized: the agent is
    /// asked about nothing and answers; the next turn is heard normally.
    @Test func aSpeechToTextErrorDoesNotEndTheSession() async throws {
        var agent = StubAgent()
        agent.reply = { heard in AgentReply(text: "reply to \(heard?.text ?? "nothing")") }
        let stt = StubSpeechToText(answer: { call, _ in
            if call == 0 { throw StubError.failed("recognizer down") }
            return Transcription(text: "no", confidence: 0.7)
        })
        let call = simulateCall(agent: agent, speechToText: stt, textToSpeech: StubTextToSpeech(durationsMs: ["opening": 400]))
        call.session.start()
        _ = try await call.waitFor("the opening") { $0.entry(.agent, "opening") }
        call.say(speech(syllables: 3))
        _ = try await call.waitFor("the answer to nothing") { $0.entry(.agent, "reply to nothing") }
        call.say(speech(syllables: 3))
        _ = try await call.waitFor("the answer to no") { $0.entry(.agent, "reply to no") }
        await call.stop()
        let log = call.log

        #expect(log.failures.map(\.stage) == [.speechToText])
        #expect(log.failures.first?.message.contains("recognizer down") == true)
        #expect(log.entries.map(\.text) == ["opening", "", "reply to nothing", "no", "reply to no"])
        #expect(log.entries[1].confidence == 0)
        #expect(agent.heard.all == [nil, Transcription(text: "no", confidence: 0.7)])
        #expect(!log.outputs.contains(.hangUp))
    }

    /// Speech-to-text takes a second; meanwhile frames keep going in at once and the
    /// callee's next turn still barges in on the agent. The turn that was being recognized
    /// is answered together with that next one, in one reply.
    @Test func framesDoNotWaitForASlowRecognizer() async throws {
        var agent = StubAgent()
        // The opening arrives late, so it plays while the first turn is being recognized.
        agent.openingDelay = .milliseconds(1200)
        agent.reply = { heard in AgentReply(text: "answer to \(heard?.text ?? "nothing")") }
        let stt = StubSpeechToText(
            delay: .seconds(1),
            answer: { call, _ in
                Transcription(text: call == 0 ? "hello" : "yes", confidence: 0.9)
            }
        )
        let call = simulateCall(
            agent: agent,
            speechToText: stt,
            textToSpeech: StubTextToSpeech(durationsMs: ["opening": 4000]),
            configuration: ConversationConfiguration(openingIsInterruptible: true)
        )
        call.session.start()
        // After a little line noise: the detector takes a stream's first sound for its floor.
        call.say(TestSignals.silence(seconds: 0.5) + speech(syllables: 2))
        _ = try await call.waitFor("the first recognition to begin") { _ in stt.began.all.first }
        call.say(speech(syllables: 3))
        let clearAt = try await call.waitFor("the barge-in") { $0.time(of: .clear) }
        _ = try await call.waitFor("the answer") { $0.entries.first { $0.text.hasPrefix("answer to") } }
        await call.stop()
        let log = call.log

        let firstRecognition = try #require(stt.calls.all.first)
        #expect(call.origin + clearAt < firstRecognition.ended, "the barge-in came while the recognizer slept")
        #expect(call.slowestFrame < .milliseconds(50), "slowest frame \(call.slowestFrame)")
        #expect(agent.heard.all == [Transcription(text: "hello yes", confidence: 0.9)])
        // Which began first, the callee's "hello" or the late opening, depends on how the
        // machine schedules the two; the rest is in order.
        #expect(Set(log.entries.prefix(2).map(\.text)) == ["hello", "opening"])
        #expect(log.entries.dropFirst(2).map(\.text) == ["yes", "answer to hello yes"])
        let opening = try #require(log.entry(.agent, "opening"))
        #expect(opening.interrupted)
        #expect(log.entries.map(\.seq) == [0, 1, 2, 3])
    }

    /// The callee speaks again while the agent is still making its reply: the reply is
    /// not spoken over them, and the newer turn is answered instead.
    @Test func aNewerTurnSupersedesAReplyNotYetSpoken() async throws {
        var agent = StubAgent()
        agent.replyDelay = .milliseconds(1500)
        agent.reply = { heard in AgentReply(text: "answer to \(heard?.text ?? "nothing")") }
        let stt = StubSpeechToText(answer: { call, _ in Transcription(text: call == 0 ? "yes" : "no", confidence: 0.9) })
        let call = simulateCall(agent: agent, speechToText: stt, textToSpeech: StubTextToSpeech(durationsMs: ["opening": 400]))
        call.session.start()
        _ = try await call.waitFor("the opening") { $0.entry(.agent, "opening") }
        call.say(speech(syllables: 3))
        _ = try await call.waitFor("the agent thinking") { _ in agent.heard.all.first }
        call.say(speech(syllables: 3))
        _ = try await call.waitFor("the second answer") { $0.entry(.agent, "answer to no") }
        await call.stop()
        let log = call.log

        #expect(log.entry(.agent, "answer to yes") == nil)
        #expect(log.entries.map(\.text) == ["opening", "yes", "no", "answer to no"])
        #expect(log.media.count == 20 + 600 / 20, "the opening and one answer")
        #expect(agent.heard.all.map { $0?.text } == ["yes", "no"])
    }

    /// A short sound the recognizer makes nothing of is noise: no entry, no reply. Longer
    /// unrecognized speech gets a reply, so the agent can ask again.
    @Test func shortUnrecognizedSoundsAreNoise() async throws {
        let agent = StubAgent()
        let stt = StubSpeechToText(answer: { _, _ in nil })
        let call = simulateCall(agent: agent, speechToText: stt, textToSpeech: StubTextToSpeech(durationsMs: ["opening": 400]))
        call.session.start()
        _ = try await call.waitFor("the opening") { $0.entry(.agent, "opening") }
        call.say(speech(syllables: 2))
        _ = try await call.waitFor("the noise recognized") { _ in stt.calls.all.first }
        try await Task.sleep(for: .milliseconds(300))
        #expect(agent.heard.all.isEmpty)
        #expect(call.log.entries.count == 1)

        call.say(speech(syllables: 5))
        _ = try await call.waitFor("the reply") { $0.entry(.agent, "reply") }
        await call.stop()
        #expect(call.log.entries.map(\.text) == ["opening", "", "reply"])
        #expect(call.log.entries.map(\.seq) == [0, 1, 2])
        #expect(agent.heard.all == [nil])
    }

    /// The agent fails: the failure is reported, the apology is said, and the call hangs
    /// up after it has played.
    @Test func anAgentFailureEndsTheCallPolitely() async throws {
        var agent = StubAgent()
        agent.reply = { _ in throw StubError.failed("model unavailable") }
        let apology = "Sorry, goodbye."
        let call = simulateCall(
            agent: agent,
            textToSpeech: StubTextToSpeech(durationsMs: ["opening": 400, apology: 500]),
            configuration: ConversationConfiguration(failureMessage: apology)
        )
        call.session.start()
        _ = try await call.waitFor("the opening") { $0.entry(.agent, "opening") }
        call.say(speech(syllables: 3))
        _ = try await call.waitFor("the hang-up") { $0.time(of: .hangUp) }
        await call.stop()
        let log = call.log

        #expect(log.failures.map(\.stage) == [.reply])
        #expect(log.entries.map(\.text) == ["opening", "yes", apology])
        let echo = try #require(log.echoes.first { $0.name == "agent-1-end-500ms" })
        #expect(log.time(of: .hangUp)! >= echo.at)
    }

    /// Text-to-speech fails for the reply and for the apology: the call hangs up at once,
    /// without a word.
    @Test func aSpeechFailureWithNothingToSayHangsUpAtOnce() async throws {
        let tts = StubTextToSpeech(durationsMs: ["opening": 400], failing: ["reply", "Bye."])
        let call = simulateCall(textToSpeech: tts, configuration: ConversationConfiguration(failureMessage: "Bye."))
        call.session.start()
        _ = try await call.waitFor("the opening") { $0.entry(.agent, "opening") }
        call.say(speech(syllables: 3))
        _ = try await call.waitFor("the hang-up") { $0.time(of: .hangUp) }
        await call.stop()
        #expect(call.log.failures.map(\.stage) == [.textToSpeech, .textToSpeech])
        #expect(call.log.media.count == 20)
    }

    /// Twilio never echoes the goodbye's last mark: the session hangs up anyway, a while
    /// after the audio should have finished, and the goodbye's entry, unconfirmed, ends
    /// where nothing was confirmed.
    @Test func aHangUpDoesNotWaitForeverForItsMark() async throws {
        var agent = StubAgent()
        agent.opening = AgentReply(text: "bye", hangUp: true)
        let call = CallSimulator(
            ConversationSession(
                call: AgentCallContext(callSID: "CA1"),
                agent: agent,
                speechToText: StubSpeechToText(),
                textToSpeech: StubTextToSpeech(durationsMs: ["bye": 400]),
                configuration: ConversationConfiguration(pacing: PlaybackPacing(hangUpMarkTimeoutMs: 500))
            ),
            echoesMarks: false
        )
        call.session.start()
        let hangUpAt = try await call.waitFor("the hang-up") { $0.time(of: .hangUp) }
        await call.stop()
        #expect(hangUpAt >= .milliseconds(400 + 500 - 100), "\(hangUpAt)")
        let entry = try #require(call.log.entry(.agent, "bye"))
        #expect(entry.interrupted && entry.endMs == entry.startMs)
    }

    /// A stream's `media` with a timestamp near Int.max and a 160-byte payload trapped on
    /// overflow (every live call of the process with it); whatever a peer's numbers, the
    /// session goes on and ends as usual.
    @Test func aTimestampNearIntMaxOrBelowZeroIsClampedNotATrap() async throws {
        let call = simulateCall(textToSpeech: StubTextToSpeech(durationsMs: ["opening": 300]))
        call.session.start()
        for timestampMs in [Int.max, Int.max - 20, Int.max - 1, Int.min, -20, Int(Int32.max)] {
            call.session.receiveMedia(payload: [UInt8](repeating: 0x7F, count: 160), timestampMs: timestampMs)
        }
        _ = try await call.waitFor("the opening") { $0.entry(.agent, "opening") }
        await call.stop()
        #expect(call.log.entries.map(\.text).first == "opening")
    }
}
