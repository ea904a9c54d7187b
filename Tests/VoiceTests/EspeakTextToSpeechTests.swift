import Testing
import Voice

@Suite struct EspeakTextToSpeechTests {
    /// Plausible telephone audio: mu-law at 8 kHz, a plausible length, and speech the turn
    /// detector hears.
    @Test(arguments: ["yes", "hello, this is a test"])
    func synthesizesSpeech(text: String) async throws {
        let audio = try await EspeakTextToSpeech().synthesize(text)
        let seconds = Double(audio.count) / 8000
        #expect(seconds > 0.2 && seconds < 3, "\(seconds) s")

        let linear = MuLaw.decode(audio)
        #expect(TestSignals.rms(linear) > 500)
        let padded = TestSignals.silence(seconds: 0.5) + linear + TestSignals.silence(seconds: 1)
        #expect(turns(detectTurns(in: padded)).count == 1)
    }

    /// Synthesized speech through mu-law, twice in one stream over a quiet line: exactly one
    /// turn per utterance, within the audio's own speech.
    @Test func eachUtteranceIsOneTurn() async throws {
        let tts = EspeakTextToSpeech()
        let first = MuLaw.decode(try await tts.synthesize("hello, this is a test"))
        let second = MuLaw.decode(try await tts.synthesize("stop calling me"))
        let lead = TestSignals.silence(seconds: 0.6)
        let gap = TestSignals.silence(seconds: 1.5)
        let speech = lead + first + gap + second + TestSignals.silence(seconds: 1.2)
        let audio = TestSignals.mix(speech, TestSignals.noise(seconds: Double(speech.count) / 8000, rms: 20))

        let found = turns(detectTurns(in: audio))
        try #require(found.count == 2, "\(found)")
        // Each utterance's true extent: its first and last clearly audible samples.
        let truths = [(lead.count, first), (lead.count + first.count + gap.count, second)].map { offset, samples in
            let loud = samples.indices.filter { abs(Int(samples[$0])) > 300 }
            return (start: (offset + loud.first!) / 8, end: (offset + loud.last!) / 8)
        }
        for (turn, truth) in zip(found, truths) {
            #expect(abs(turn.start - truth.start) <= 60, "turn \(turn), speech \(truth)")
            #expect(abs(turn.end - truth.end) <= 100, "turn \(turn), speech \(truth)")
        }
    }

    @Test func theRateIsConfigurable() async throws {
        let slow = try await EspeakTextToSpeech(wordsPerMinute: 100).synthesize("hello, this is a test")
        let fast = try await EspeakTextToSpeech(wordsPerMinute: 300).synthesize("hello, this is a test")
        #expect(Double(slow.count) > 1.5 * Double(fast.count))
    }

    /// espeak-ng has one global state: concurrent requests with different voices and rates
    /// must each get what they would alone. (Not byte for byte: espeak-ng's noise sources
    /// make every rendering differ slightly, so each is judged by its length.)
    @Test func concurrentRequestsDoNotInterfere() async throws {
        let slow = EspeakTextToSpeech(voice: "en-us", wordsPerMinute: 120)
        let fast = EspeakTextToSpeech(voice: "en", wordsPerMinute: 300)
        let slowLength = Double(try await slow.synthesize("one two three").count)
        let fastLength = Double(try await fast.synthesize("one two three").count)
        #expect(slowLength > 1.5 * fastLength)

        let results = try await withThrowingTaskGroup(of: (Bool, Int).self) { group in
            for index in 0..<8 {
                group.addTask {
                    let isSlow = index.isMultiple(of: 2)
                    return (isSlow, try await (isSlow ? slow : fast).synthesize("one two three").count)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        // Renderings of one text vary by a few percent; a request run at the other's rate
        // would be off by more than half.
        for (isSlow, length) in results {
            let expected = isSlow ? slowLength : fastLength
            #expect(abs(Double(length) - expected) < 0.2 * expected, "slow: \(isSlow), \(length) samples")
        }
    }

    @Test func anUnknownVoiceIsAnError() async {
        await #expect(throws: EspeakError.unknownVoice("no-such-voice")) {
            try await EspeakTextToSpeech(voice: "no-such-voice").synthesize("hello")
        }
    }
}
