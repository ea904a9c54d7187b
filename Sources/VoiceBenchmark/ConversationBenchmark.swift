import Foundation
import Voice

/// Measures what the media route's hot path costs: ``ConversationSession/receiveMedia(payload:timestampMs:)``
/// for many calls at once, with their sessions doing everything else a call does meanwhile
/// (turns ending, replies paced out, marks echoed), so that a future `dialer-lab bench media`
/// can report it and a change that slows frames down shows.
///
/// The services are instant stand-ins (a fixed transcription, a fixed reply, audio of a
/// fixed length): what is measured is the session's own work, not a recognizer's.
public enum ConversationBenchmark {
    /// Instant stand-ins for the three services: "yes" heard for any turn, "Okay." said to
    /// it, and a second and a half of audio for any text. `dialer-lab bench media` serves calls
    /// with them to measure the media path alone.
    public static let standIns = VoiceComponents(
        speechToText: StandInSpeechToText(),
        agent: StandInAgent(),
        textToSpeech: StandInTextToSpeech()
    )

    /// The distribution of one frame's cost, over every frame of every call.
    public struct FrameCost: Sendable, CustomStringConvertible {
        public var sessions: Int
        public var frames: Int
        /// How long the run took; with `realTime`, about the simulated seconds.
        public var wall: Duration
        public var mean: Duration
        public var p50: Duration
        public var p99: Duration
        public var p999: Duration
        public var max: Duration

        /// The share of one core the frames of this many calls take, in real time
        /// (50 frames per second per call).
        public var coreShareAtRealTime: Double {
            Double(sessions * 50) * mean.seconds
        }

        public var description: String {
            func µs(_ duration: Duration) -> String { String(format: "%.1f µs", duration.seconds * 1e6) }
            return "\(sessions) sessions, \(frames) frames in \(String(format: "%.1f", wall.seconds)) s: "
                + "mean \(µs(mean)), p50 \(µs(p50)), p99 \(µs(p99)), p99.9 \(µs(p999)), max \(µs(max)); "
                + String(format: "%.1f %% of a core at 50 frames/s per call", coreShareAtRealTime * 100)
        }
    }

    /// Runs `sessions` simulated calls for `seconds` of stream time each and times every
    /// frame. With `realTime` the frames of each round go out every 20 ms, as Twilio's do
    /// (the cost then includes contention with the sessions' own tasks); without, as fast
    /// as they can be fed.
    public static func measureFrameCost(sessions: Int = 500, seconds: Int = 10, realTime: Bool = true) async -> FrameCost {
        let line = callerLine()
        let calls = (0..<sessions).map { index in
            ConversationSession(
                call: AgentCallContext(callSID: "CA-bench-\(index)"),
                agent: standIns.agent,
                speechToText: standIns.speechToText,
                textToSpeech: standIns.textToSpeech
            )
        }
        // Twilio's part: echo every mark at once, and take everything else off the stream.
        let drains = calls.map { session in
            Task {
                for await output in session.outputs {
                    if case .mark(let name) = output { session.receiveMark(name: name) }
                }
            }
        }
        for call in calls { call.start() }

        let clock = ContinuousClock()
        let rounds = seconds * 50
        var costs: [Duration] = []
        costs.reserveCapacity(rounds * sessions)
        let start = clock.now
        for round in 0..<rounds {
            for (index, session) in calls.enumerated() {
                // Calls are out of step, so their turns do not all end in the same round.
                let frame = line[(round + index * 7) % line.count]
                let before = clock.now
                session.receiveMedia(payload: frame, timestampMs: round * 20)
                costs.append(before.duration(to: clock.now))
            }
            if realTime {
                try? await Task.sleep(until: start + .milliseconds(20 * (round + 1)), clock: clock)
            }
        }
        let wall = start.duration(to: clock.now)

        await withTaskGroup(of: Void.self) { group in
            for session in calls {
                group.addTask { await session.stop() }
            }
        }
        for drain in drains {
            await drain.value
        }

        costs.sort()
        func percentile(_ fraction: Double) -> Duration {
            costs.isEmpty ? .zero : costs[min(costs.count - 1, Int(Double(costs.count) * fraction))]
        }
        let total = costs.reduce(Duration.zero, +)
        return FrameCost(
            sessions: sessions,
            frames: costs.count,
            wall: wall,
            mean: costs.isEmpty ? .zero : total / costs.count,
            p50: percentile(0.5),
            p99: percentile(0.99),
            p999: percentile(0.999),
            max: costs.last ?? .zero
        )
    }

    /// Four seconds of a callee's line as 20 ms mu-law frames: three of faint noise, then
    /// one of a voiced buzz the turn detector takes for speech.
    static func callerLine() -> [[UInt8]] {
        var random: UInt64 = 0x9E37_79B9_7F4A_7C15
        var samples: [Int16] = []
        for n in 0..<(4 * 8000) {
            random = random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            var value = Double(Int64(random >> 58) - 32)
            if n >= 3 * 8000 {
                let t = Double(n) / 8000
                for harmonic in 1...6 {
                    value += 3000 * sin(2 * .pi * 140 * Double(harmonic) * t) / Double(harmonic)
                }
            }
            samples.append(Int16(clamping: Int(value.rounded())))
        }
        return stride(from: 0, to: samples.count, by: 160).map { MuLaw.encode(samples[$0..<($0 + 160)]) }
    }
}

private struct StandInAgent: Agent {
    func startConversation(_ call: AgentCallContext) async throws -> any AgentConversation {
        StandInConversation()
    }
}

private struct StandInConversation: AgentConversation {
    func opening() async throws -> AgentReply { AgentReply(text: "Hello, this is a test call.") }
    func reply(to callee: Transcription?) async throws -> AgentReply { AgentReply(text: "Okay.") }
    func recognitionHints() async -> RecognitionHints { RecognitionHints(phrases: ["yes", "no"]) }
    /// Judges every pause, as the scripted agent does: a turn heard is a whole answer.
    var judgesTurnEnds: Bool { true }
    func turnCompleteness(_ heard: Transcription?, hesitant: @Sendable () async -> Transcription?) async -> TurnCompleteness {
        heard == nil ? .unsure : .complete
    }
}

private struct StandInSpeechToText: SpeechToText {
    func transcribe(_ audio: [Int16], sampleRate: Int, hints: RecognitionHints) async throws -> Transcription? {
        Transcription(text: "yes", confidence: 0.9)
    }
}

/// A second and a half of audio for anything.
private struct StandInTextToSpeech: TextToSpeech {
    func synthesize(_ text: String) async throws -> [UInt8] {
        [UInt8](repeating: 0x55, count: 12_000)
    }
}

extension Duration {
    /// The duration in seconds, as a `Double`.
    fileprivate var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
