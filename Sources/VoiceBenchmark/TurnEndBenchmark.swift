import Foundation
import Voice

/// How well a conversation ends the callee's turns: how soon the agent answers once they have
/// finished, and how often it takes a pause inside their sentence for the end.
///
/// Each sample is one callee answer to the built-in script's first question (or to its
/// callback question, ``callbackSamples``), spoken by
/// espeak-ng in pieces with silences inserted between them (a hesitation, a phrase cut
/// short, a word then more words), fed to a ``ConversationSession`` in real time, 20 ms a
/// frame, on the embedded stack. A sample whose words became more than one callee turn was
/// *ended too early*; for the others, the *turn latency* is the session's own measure, from
/// the end of the speech to the first audio of the reply. `dialer-lab bench turns` runs it.
public enum TurnEndBenchmark {
    /// One callee answer: pieces of speech, each followed by a silence.
    public struct Sample: Sendable {
        public var pieces: [(text: String, pauseAfterMs: Int)]

        public init(_ pieces: (String, Int)...) {
            self.pieces = pieces.map { (text: $0.0, pauseAfterMs: $0.1) }
        }

        /// The words with their pauses: `yes [300 ms] please`.
        public var label: String {
            pieces.map { "\($0.text)\($0.pauseAfterMs > 0 ? " [\($0.pauseAfterMs) ms]" : "")" }.joined(separator: " ")
        }
    }

    /// Answers to "Would you like a specialist to call you back about your account?", as
    /// people give them: straight, after a filler, with a phrase cut short, or a word and
    /// then more. The pauses run from 300 ms to 1 s.
    public static let samples: [Sample] = [
        Sample(("yes", 0)), Sample(("no thanks", 0)), Sample(("sure", 0)), Sample(("not now", 0)),
        Sample(("not interested", 0)), Sample(("maybe later", 0)), Sample(("yes please", 0)), Sample(("no", 0)),
        Sample(("um", 500), ("yes", 0)), Sample(("uh", 800), ("sure", 0)), Sample(("well", 600), ("maybe later", 0)),
        Sample(("so", 900), ("yes please", 0)), Sample(("I am", 400), ("not interested", 0)),
        Sample(("let me think", 1000), ("no", 0)), Sample(("and", 700), ("not now", 0)), Sample(("hmm", 650), ("yes", 0)),
        Sample(("yes", 300), ("please", 0)), Sample(("no", 400), ("thanks", 0)),
    ]

    /// Answers to the built-in script's callback question ("When should the specialist call
    /// you?"): a day, a part of it, both, with the pauses people leave between them.
    public static let callbackSamples: [Sample] = [
        Sample(("tomorrow afternoon", 0)), Sample(("monday morning", 0)), Sample(("any time", 0)), Sample(("tonight", 0)),
        Sample(("morning", 0)), Sample(("friday", 0)), Sample(("next week", 0)), Sample(("tomorrow", 0)),
        Sample(("tomorrow", 500), ("afternoon", 0)), Sample(("monday", 700), ("morning", 0)), Sample(("um", 600), ("tomorrow", 0)),
        Sample(("well", 800), ("friday afternoon", 0)), Sample(("let me think", 900), ("monday", 0)),
        Sample(("uh", 500), ("any time", 0)), Sample(("tomorrow", 400), ("evening", 0)), Sample(("hmm", 700), ("morning", 0)),
        Sample(("friday", 300), ("morning", 0)), Sample(("so", 600), ("tonight", 0)),
    ]

    /// The built-in script from its callback question on, for ``callbackSamples``.
    public static let callbackScript: AgentScript = {
        var script = AgentScript.default
        script.steps = script.steps.filter { $0.callback != nil }
        return script
    }()

    public struct Report: Sendable, CustomStringConvertible {
        public var label: String
        public var samples: Int
        public var endedEarly: Int
        /// The answers ended too early, by their words.
        public var split: [String] = []
        /// The answers that waited longer than the usual silence, with their latency.
        public var slow: [String] = []
        /// Over the samples not ended early.
        public var latencies: [Duration]

        public func percentile(_ fraction: Double) -> Duration {
            let sorted = latencies.sorted()
            guard !sorted.isEmpty else { return .zero }
            return sorted[min(sorted.count - 1, Int((Double(sorted.count) * fraction).rounded(.up)) - 1)]
        }

        public var description: String {
            func ms(_ duration: Duration) -> String { "\(Int((duration / .milliseconds(1)).rounded())) ms" }
            return "\(label): \(samples) answers, \(endedEarly) ended too early "
                + String(format: "(%.0f %%)", Double(endedEarly) / Double(max(1, samples)) * 100)
                + "; turn latency p50 \(ms(percentile(0.5))), p95 \(ms(percentile(0.95))) over \(latencies.count)"
                + (split.isEmpty ? "" : "\n  ended too early: " + split.map { "\"\($0)\"" }.joined(separator: ", "))
                + (slow.isEmpty ? "" : "\n  answered after more than 800 ms: " + slow.joined(separator: ", "))
        }
    }

    /// Runs every sample `rounds` times, `concurrency` at once, with `configuration`.
    public static func measure(
        label: String,
        configuration: ConversationConfiguration,
        voice: VoiceComponents,
        samples: [Sample] = samples,
        rounds: Int = 1,
        concurrency: Int = 2
    ) async throws -> Report {
        let audio = try await withThrowingTaskGroup(of: (Int, [UInt8]).self) { group in
            for (index, sample) in samples.enumerated() {
                group.addTask {
                    var line = silence(ms: 600)
                    for piece in sample.pieces {
                        line += try await voice.textToSpeech.synthesize(piece.text) + silence(ms: piece.pauseAfterMs)
                    }
                    return (index, line + silence(ms: 2500))
                }
            }
            var lines = [[UInt8]](repeating: [], count: samples.count)
            for try await (index, line) in group { lines[index] = line }
            return lines
        }
        var report = Report(label: label, samples: 0, endedEarly: 0, latencies: [])
        let runs = (0..<rounds).flatMap { _ in audio.indices }
        var next = 0
        try await withThrowingTaskGroup(of: (sample: Int, turns: Int, latency: Duration?).self) { group in
            func start() {
                guard next < runs.count else { return }
                let sample = runs[next]
                next += 1
                group.addTask {
                    let result = try await run(audio[sample], configuration: configuration, voice: voice)
                    return (sample, result.turns, result.latency)
                }
            }
            for _ in 0..<concurrency { start() }
            for try await result in group {
                report.samples += 1
                if result.turns > 1 {
                    report.endedEarly += 1
                    report.split.append(samples[result.sample].label)
                } else if let latency = result.latency {
                    report.latencies.append(latency)
                    if latency > .milliseconds(800) {
                        report.slow.append("\"\(samples[result.sample].label)\" \(Int((latency / .milliseconds(1)).rounded())) ms")
                    }
                }
                start()
            }
        }
        return report
    }

    /// One answer through one session, in real time: the callee turns it became, and the
    /// latency of the first reply.
    static func run(
        _ line: [UInt8],
        configuration: ConversationConfiguration,
        voice: VoiceComponents
    ) async throws -> (turns: Int, latency: Duration?) {
        let session = ConversationSession(
            call: AgentCallContext(callSID: "CA-turns"),
            agent: voice.agent,
            speechToText: voice.speechToText,
            textToSpeech: voice.textToSpeech,
            configuration: configuration
        )
        let outputs = Task {
            var turns = 0
            var latency: Duration?
            for await output in session.outputs {
                switch output {
                case .transcriptEntry(let entry) where entry.speaker == .callee: turns += 1
                case .turnLatency(let measured): latency = latency ?? measured
                case .mark(let name): session.receiveMark(name: name)
                default: break
                }
            }
            return (turns, latency)
        }
        let clock = ContinuousClock()
        let start = clock.now
        for frame in stride(from: 0, to: line.count - 159, by: 160) {
            session.receiveMedia(payload: Array(line[frame..<(frame + 160)]), timestampMs: frame / 8)
            try await clock.sleep(until: start + .milliseconds(frame / 8 + 20))
        }
        await session.stop()
        return await outputs.value
    }

    /// Faint noise, as a line's quiet is.
    static func silence(ms: Int) -> [UInt8] {
        var state: UInt32 = 0x2545_F491 &+ UInt32(ms)
        return (0..<(ms * 8)).map { _ in
            state = state &* 1_103_515_245 &+ 12_345
            return MuLaw.encode(Int16(Int((state >> 16) & 0x1F) - 16))
        }
    }
}
