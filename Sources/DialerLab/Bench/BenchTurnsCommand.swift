import ArgumentParser
import Foundation
import Voice
import VoiceBenchmark

/// `dialer-lab bench turns`: how soon turns end, and how often too soon.
struct BenchTurnsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "turns",
        abstract: "Measure end-of-turn detection on callee answers with pauses inside them.",
        discussion: """
            Speaks a set of answers to the built-in script's first question with espeak-ng, \
            some straight, some after a filler or with a phrase cut short (pauses of 300 ms to \
            1 s inside them), and feeds each to a conversation session in real time on the \
            embedded stack (PocketSphinx, the scripted agent, espeak-ng). For the fixed \
            700 ms end-of-turn silence (the baseline) and for the adaptive detection (a \
            verdict at each 180 ms pause), it reports the answers ended too early (split into \
            more than one turn) and the turn latency of the rest, p50 and p95. No database.

            --question callback does the same with answers to the built-in script's callback \
            question ("tomorrow [500 ms] afternoon", "um [600 ms] tomorrow").

            Examples:
              .build/release/dialer-lab bench turns --rounds 3
              .build/release/dialer-lab bench turns --rounds 3 --question callback
            """
    )

    @Option(help: "Times each answer is run per configuration.")
    var rounds = 2

    @Option(help: "Answers fed at once.")
    var concurrency = 2

    @Option(help: "The question answered: interest (the first) or callback (when to call back: 'tomorrow [500 ms] afternoon').")
    var question = "interest"

    func run() async throws {
        guard rounds > 0, concurrency > 0 else { throw ValidationError("--rounds and --concurrency must be above 0") }
        guard ["interest", "callback"].contains(question) else { throw ValidationError("--question is interest or callback") }
        let callback = question == "callback"
        let agent = try ScriptedAgent(script: callback ? TurnEndBenchmark.callbackScript : .default)
        let samples = callback ? TurnEndBenchmark.callbackSamples : TurnEndBenchmark.samples
        let voice = VoiceComponents(speechToText: PocketSphinxSpeechToText(), agent: agent, textToSpeech: EspeakTextToSpeech())
        let fixed = ConversationConfiguration(turnDetection: TurnDetectorConfiguration(pauseCheckMs: nil))
        for (label, configuration) in [("fixed 700 ms (baseline)", fixed), ("adaptive", ConversationConfiguration())] {
            FileHandle.standardError.write(Data("\(label): \(samples.count) answers x \(rounds)…\n".utf8))
            let report = try await TurnEndBenchmark.measure(
                label: label,
                configuration: configuration,
                voice: voice,
                samples: samples,
                rounds: rounds,
                concurrency: concurrency
            )
            print(report)
        }
    }
}
