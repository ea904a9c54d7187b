import Testing
import Voice

/// Events with the stream time at which the detector raised them (the end of the frame).
struct RaisedEvent: Equatable {
    var event: TurnEvent
    var raisedAtMs: Int
}

/// Feeds `audio` (8 kHz) to `detector` in 20 ms frames, as a call's media messages would.
func detectTurns(in audio: [Int16], with detector: inout TurnDetector, finish: Bool = false) -> [RaisedEvent] {
    var raised: [RaisedEvent] = []
    var start = 0
    while start + 160 <= audio.count {
        let ms = start / 8
        raised += detector.process(frame: Array(audio[start..<(start + 160)]), at: ms).map { RaisedEvent(event: $0, raisedAtMs: ms + 20) }
        start += 160
    }
    if finish {
        raised += detector.finish().map { RaisedEvent(event: $0, raisedAtMs: audio.count / 8) }
    }
    return raised
}

func detectTurns(in audio: [Int16], configuration: TurnDetectorConfiguration = .init()) -> [RaisedEvent] {
    var detector = TurnDetector(configuration: configuration)
    return detectTurns(in: audio, with: &detector)
}

/// The turns among `events`, as (start, end).
func turns(_ events: [RaisedEvent]) -> [(start: Int, end: Int)] {
    events.compactMap {
        if case .turnEnded(let start, let end) = $0.event { return (start, end) }
        return nil
    }
}

@Suite struct TurnDetectorTests {
    @Test func silenceRaisesNothing() {
        #expect(detectTurns(in: TestSignals.silence(seconds: 5)).isEmpty)
        #expect(detectTurns(in: TestSignals.noise(seconds: 5, rms: 20)).isEmpty)
    }

    /// One second of tone between silences is one turn, at the tone's own boundaries, with
    /// a pause raised 180 ms after the tone stops and the turn ended one end-of-turn silence
    /// (700 ms) after it.
    @Test(arguments: [0.0, 30.0])
    func aToneBurstIsOneTurn(backgroundRMS: Double) throws {
        let audio = TestSignals.mix(
            TestSignals.silence(seconds: 1) + TestSignals.tone(hz: 440, seconds: 1, rate: 8000) + TestSignals.silence(seconds: 2),
            TestSignals.noise(seconds: 4, rms: backgroundRMS)
        )
        let events = detectTurns(in: audio)
        #expect(events.count == 3, "\(events)")
        let started = try #require(events.first)
        guard case .speechStarted(let startMs) = started.event else {
            Issue.record("expected speechStarted first, got \(events)")
            return
        }
        #expect(abs(startMs - 1000) <= 60)
        // Raised once the speech has lasted the minimum length.
        #expect(abs(started.raisedAtMs - 1200) <= 60)

        let ended = try #require(events.last)
        guard case .turnEnded(let turnStart, let turnEnd) = ended.event else {
            Issue.record("expected turnEnded last, got \(events)")
            return
        }
        #expect(turnStart == startMs)
        #expect(abs(turnEnd - 2000) <= 60)
        #expect(abs(ended.raisedAtMs - (turnEnd + 700)) <= 20)
        #expect(events[1] == RaisedEvent(event: .paused(startMs: turnStart, endMs: turnEnd), raisedAtMs: events[1].raisedAtMs))
        #expect(abs(events[1].raisedAtMs - (turnEnd + 180)) <= 20)
    }

    /// At a pause, what was said decides: a whole answer ends the turn there (the same turn
    /// the silence would have ended later), an unfinished phrase waits 1,200 ms, and a
    /// verdict on speech the callee has since added to changes nothing.
    @Test func aPauseEndsTheTurnOrMakesItWaitLonger() throws {
        let word = TestSignals.syllables(count: 2)
        let audio = TestSignals.silence(seconds: 1) + word + TestSignals.silence(seconds: 0.9) + word + TestSignals.silence(seconds: 2)
        // Unfinished at the first pause: the 900 ms gap no longer ends the turn.
        var waiting = TurnDetector()
        var events: [TurnEvent] = []
        var unfinishedAt: Int?
        for start in stride(from: 0, to: audio.count - 159, by: 160) {
            for event in waiting.process(frame: Array(audio[start..<(start + 160)]), at: start / 8) {
                events.append(event)
                if case .paused(_, let endMs) = event, unfinishedAt == nil {
                    unfinishedAt = endMs
                    waiting.waitLonger(pausedAfterMs: endMs)
                }
            }
        }
        let ended = events.compactMap { if case .turnEnded(let start, let end) = $0 { (start, end) } else { nil } }
        #expect(ended.count == 1, "\(events)")
        #expect(ended.first.map { $0.1 > unfinishedAt! } == true)

        // Complete at the first pause: the turn ends there, and a stale verdict is refused.
        var ending = TurnDetector()
        var early: TurnEvent?
        var pauses: [Int] = []
        for start in stride(from: 0, to: audio.count - 159, by: 160) {
            for event in ending.process(frame: Array(audio[start..<(start + 160)]), at: start / 8) {
                if case .paused(_, let endMs) = event {
                    pauses.append(endMs)
                    if early == nil { early = ending.endTurn(pausedAfterMs: endMs) }
                }
            }
        }
        guard case .turnEnded(let start, let end)? = early else {
            Issue.record("no early end: \(String(describing: early))")
            return
        }
        #expect(abs(start - 1000) <= 60 && end == pauses.first)
        #expect(pauses.count == 2, "the second word is a turn of its own, with its own pause")
        #expect(ending.endTurn(pausedAfterMs: pauses[0]) == nil)
    }

    /// Steady white noise is the floor, not speech: noise from the first frame raises
    /// nothing, and noise that starts mid-call stops counting within the floor's window.
    @Test func steadyNoiseIsNotSpeechOnceTheFloorAdapts() {
        #expect(detectTurns(in: TestSignals.noise(seconds: 6, rms: 1000)).isEmpty)

        let lateNoise = TestSignals.silence(seconds: 1) + TestSignals.noise(seconds: 8, rms: 1000)
        let events = detectTurns(in: lateNoise)
        // At most the one turn while the floor catches up (its 1.5 s window), ended within
        // the window plus the end-of-turn silence of the noise's start.
        #expect(turns(events).count <= 1)
        #expect(events.allSatisfy { $0.raisedAtMs <= 1000 + 1500 + 700 + 100 }, "\(events)")
    }

    /// Voiced syllables over steady noise: one turn, from the first syllable to the last.
    @Test func speechOverNoiseIsDetected() {
        let burst = TestSignals.syllables(count: 5, rms: 3000)  // 1.18 s
        let audio = TestSignals.mix(
            TestSignals.silence(seconds: 2) + burst + TestSignals.silence(seconds: 2),
            TestSignals.noise(seconds: 6, rms: 300)
        )
        let found = turns(detectTurns(in: audio))
        #expect(found.count == 1, "\(found)")
        if let turn = found.first {
            #expect(abs(turn.start - 2000) <= 60)
            #expect(abs(turn.end - (2000 + burst.count / 8)) <= 60)
        }
    }

    /// A 60 ms click is shorter than the minimum speech: no event at all, so barge-in
    /// never stops the agent for it.
    @Test func aClickIsNotATurn() {
        let click = TestSignals.noise(seconds: 0.06, rms: 8000, seed: 7)
        let audio = TestSignals.silence(seconds: 1) + click + TestSignals.silence(seconds: 2)
        #expect(detectTurns(in: audio).isEmpty)
        let overNoise = TestSignals.mix(audio, TestSignals.noise(seconds: 3.06, rms: 100))
        #expect(detectTurns(in: overNoise).isEmpty)
    }

    /// A pause shorter than the end-of-turn silence is part of the turn; a longer one ends it.
    @Test func pausesShorterThanTheEndOfTurnKeepTheTurn() {
        let word = TestSignals.syllables(count: 2)
        let shortPause = TestSignals.silence(seconds: 1) + word + TestSignals.silence(seconds: 0.4) + word + TestSignals.silence(seconds: 2)
        #expect(turns(detectTurns(in: shortPause)).count == 1)

        let longPause = TestSignals.silence(seconds: 1) + word + TestSignals.silence(seconds: 0.9) + word + TestSignals.silence(seconds: 2)
        #expect(turns(detectTurns(in: longPause)).count == 2)
    }

    @Test func theEndOfTurnSilenceIsConfigurable() throws {
        let word = TestSignals.syllables(count: 2)
        let audio = TestSignals.silence(seconds: 1) + word + TestSignals.silence(seconds: 0.9) + word + TestSignals.silence(seconds: 2)
        let patient = TurnDetectorConfiguration(endOfTurnSilenceMs: 1200)
        let events = detectTurns(in: audio, configuration: patient)
        #expect(turns(events).count == 1)
        let ended = try #require(events.last { if case .turnEnded = $0.event { true } else { false } })
        if case .turnEnded(_, let endMs) = ended.event {
            #expect(abs(ended.raisedAtMs - (endMs + 1200)) <= 20)
        } else {
            Issue.record("expected turnEnded, got \(events)")
        }
    }

    @Test func theMinimumSpeechLengthIsConfigurable() {
        let blip = TestSignals.tone(hz: 500, seconds: 0.15, rate: 8000)
        let audio = TestSignals.silence(seconds: 1) + blip + TestSignals.silence(seconds: 1.5)
        #expect(turns(detectTurns(in: audio)).isEmpty)
        #expect(turns(detectTurns(in: audio, configuration: .init(minimumSpeechMs: 100))).count == 1)
    }

    /// A call that hangs up mid-turn still gets its turn, at the last speech.
    @Test func finishingTheStreamEndsATurnInProgress() {
        let audio = TestSignals.silence(seconds: 1) + TestSignals.tone(hz: 440, seconds: 1, rate: 8000) + TestSignals.silence(seconds: 0.2)
        var detector = TurnDetector()
        let events = detectTurns(in: audio, with: &detector, finish: true)
        let found = turns(events)
        #expect(found.count == 1)
        #expect(abs((found.first?.end ?? 0) - 2000) <= 60)
        #expect(!detector.isInTurn)
    }
}
