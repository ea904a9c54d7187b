import Foundation
import Testing
import Voice

@Suite struct PocketSphinxSpeechToTextTests {
    /// One recognizer for the suite: its decoder (the acoustic model) loads once.
    static let recognizer = PocketSphinxSpeechToText()
    static let answers = RecognitionHints(phrases: ["yes", "no", "stop calling me"])

    /// What the callee would send: espeak-ng, mu-law on the line, decoded at 8 kHz, with a
    /// little silence either side as the turn detector cuts it.
    static func callerSays(_ text: String) async throws -> [Int16] {
        let line = try await EspeakTextToSpeech().synthesize(text)
        return TestSignals.silence(seconds: 0.3) + MuLaw.decode(line) + TestSignals.silence(seconds: 0.3)
    }

    @Test(arguments: ["yes", "no", "stop calling me"])
    func recognizesAnAnswerFromTheGrammar(text: String) async throws {
        let audio = try await Self.callerSays(text)
        let result = try #require(try await Self.recognizer.transcribe(audio, sampleRate: 8000, hints: Self.answers))
        #expect(result.text == text)
        #expect(result.confidence >= 0.6, "\(result)")
    }

    /// The opt-out must be heard inside a longer answer too.
    @Test func hearsTheOptOutAfterAnotherAnswer() async throws {
        let audio = try await Self.callerSays("no, stop calling me")
        let result = try await Self.recognizer.transcribe(audio, sampleRate: 8000, hints: Self.answers)
        #expect(result?.text.contains("stop calling me") == true, "\(String(describing: result))")
    }

    /// Speech that is none of the phrases is forced onto one, but with a low confidence.
    @Test func speechOutsideTheGrammarHasALowConfidence() async throws {
        let audio = try await Self.callerSays("maybe later")
        let result = try await Self.recognizer.transcribe(audio, sampleRate: 8000, hints: Self.answers)
        #expect((result?.confidence ?? 0) < 0.5, "\(String(describing: result))")
    }

    /// A hand-written grammar is used as given; phrases the dictionary cannot spell are
    /// left out instead of failing the turn.
    @Test func takesAGrammarOrPhrasesWithUnknownWords() async throws {
        let audio = try await Self.callerSays("no")
        let grammar = RecognitionHints(grammar: "#JSGF V1.0;\ngrammar reply;\npublic <reply> = yes | no;\n")
        #expect(try await Self.recognizer.transcribe(audio, sampleRate: 8000, hints: grammar)?.text == "no")
        let messy = RecognitionHints(phrases: ["Yes!", "NO.", "zzyzxq flurble"])
        #expect(try await Self.recognizer.transcribe(audio, sampleRate: 8000, hints: messy)?.text == "no")
    }

    @Test func anInvalidGrammarIsAnError() async throws {
        let audio = try await Self.callerSays("no")
        let broken = RecognitionHints(grammar: "this is not JSGF")
        await #expect(throws: PocketSphinxError.self) {
            try await Self.recognizer.transcribe(audio, sampleRate: 8000, hints: broken)
        }
    }

    /// Without hints the general language model is used: slower and rougher, but open.
    @Test func dictatesWithoutHints() async throws {
        let audio = try await Self.callerSays("I don't know")
        let result = try #require(try await Self.recognizer.transcribe(audio, sampleRate: 8000, hints: .none))
        #expect(!result.text.isEmpty)
        #expect((0...1).contains(result.confidence))
        print("PocketSphinx dictation heard \"\(result.text)\" (confidence \(result.confidence)) for \"I don't know\"")
    }

    @Test func emptyAudioIsNothing() async throws {
        #expect(try await Self.recognizer.transcribe([], sampleRate: 8000, hints: Self.answers) == nil)
    }

    @Test func aMissingModelIsAnError() async {
        var model = PocketSphinxModel.debianEnglish
        model.acousticModel = "/nonexistent/en-us"
        await #expect(throws: PocketSphinxError.modelMissing("/nonexistent/en-us")) {
            try await PocketSphinxSpeechToText(model: model).transcribe([1, 2, 3], sampleRate: 8000, hints: .none)
        }
    }

    /// Printed, not asserted: how long recognition takes against the audio's length.
    @Test func measuresTheRealTimeFactor() async throws {
        // Its own recognizer, so the timing does not include waiting behind other tests'.
        let recognizer = PocketSphinxSpeechToText()
        try await recognizer.prepare()
        var audioSeconds = 0.0
        var elapsed = Duration.zero
        for text in ["yes", "no", "stop calling me", "no, stop calling me"] {
            let audio = try await Self.callerSays(text)
            audioSeconds += Double(audio.count) / 8000
            let clock = ContinuousClock()
            elapsed += try await clock.measure {
                _ = try await recognizer.transcribe(audio, sampleRate: 8000, hints: Self.answers)
            }
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print(
            "PocketSphinx grammar recognition: \(String(format: "%.2f", seconds)) s for \(String(format: "%.2f", audioSeconds)) s of audio, real-time factor \(String(format: "%.3f", seconds / audioSeconds))"
        )
    }
}
