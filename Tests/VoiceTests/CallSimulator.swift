import Foundation
import Synchronization
import TestSupport
import Testing
import Voice

/// Plays Twilio's part for a ``ConversationSession``, in real time: a callee line that
/// sends a 20 ms frame every 20 ms (faint noise, or the speech it is told to say), a
/// player that echoes each mark when the audio sent before it has played (and echoes the
/// pending ones at once on `clear`, as Twilio does), and a log of every output.
final class CallSimulator: Sendable {
    struct Record: Sendable {
        /// Time since the simulator began.
        let at: Duration
        let output: ConversationOutput
    }

    struct Echo: Sendable {
        let at: Duration
        let name: String
        /// Sent back by a `clear`, not because the audio played.
        let cleared: Bool
    }

    /// What the simulator has seen so far.
    struct Log: Sendable {
        var records: [Record] = []
        var echoes: [Echo] = []
        var finished = false

        var outputs: [ConversationOutput] { records.map(\.output) }
        var entries: [TranscriptEntry] {
            outputs.compactMap { if case .transcriptEntry(let entry) = $0 { entry } else { nil } }
        }
        var media: [[UInt8]] {
            outputs.compactMap { if case .media(let bytes) = $0 { bytes } else { nil } }
        }
        var marks: [String] {
            outputs.compactMap { if case .mark(let name) = $0 { name } else { nil } }
        }
        var failures: [ConversationFailure] {
            outputs.compactMap { if case .failure(let failure) = $0 { failure } else { nil } }
        }
        func firstIndex(of output: ConversationOutput) -> Int? { outputs.firstIndex(of: output) }
        func time(of output: ConversationOutput) -> Duration? { records.first { $0.output == output }?.at }
    }

    private struct State {
        var log = Log()
        var playheadEnd: ContinuousClock.Instant?
        var pendingMarks: [(due: ContinuousClock.Instant, name: String)] = []
        var speech: [Int16] = []
        var framesSent = 0
        var slowestFrame: Duration = .zero
        var noise = SeededGenerator(seed: 7)
    }

    let session: ConversationSession
    let origin = ContinuousClock.now
    /// When the line's frame 0 is due.
    let lineStart = ContinuousClock.now
    private let state = Mutex(State())
    private let tasks = Mutex<[Task<Void, Never>]>([])
    private let consumer = Mutex<Task<Void, Never>?>(nil)

    /// Whether marks are echoed; a Twilio that never echoes tests the session's fallback.
    let echoesMarks: Bool

    init(_ session: ConversationSession, echoesMarks: Bool = true) {
        self.session = session
        self.echoesMarks = echoesMarks
        consumer.withLock { $0 = Task { await self.consume() } }
        tasks.withLock { $0 = [Task { await self.play() }, Task { await self.sendLine() }] }
    }

    var log: Log { state.withLock { $0.log } }
    /// The longest any `receiveMedia` call took.
    var slowestFrame: Duration { state.withLock { $0.slowestFrame } }

    /// Queues `samples` (8 kHz) on the line, from now; returns the stream time at which they
    /// start. "Now" is the line's schedule, not the frames sent so far: a line task that
    /// a loaded machine left behind catches up, and the callee must not speak in its past.
    @discardableResult
    func say(_ samples: [Int16]) -> Int {
        let scheduledFrame = Int((lineStart.duration(to: .now) / .milliseconds(20)).rounded(.up))
        return state.withLock { state in
            let queuedUntil = state.framesSent + state.speech.count / 160
            if scheduledFrame > queuedUntil {
                state.speech += Array(repeating: 0, count: (scheduledFrame - queuedUntil) * 160)
            }
            let startMs = (state.framesSent + state.speech.count / 160) * 20
            state.speech += samples + Array(repeating: 0, count: (160 - samples.count % 160) % 160)
            return startMs
        }
    }

    /// Stream time the line has reached.
    var lineMs: Int { state.withLock { $0.framesSent * 20 } }

    /// Waits until `probe` finds what it looks for in the log, polling; records an issue
    /// and throws if it takes longer than `timeout`.
    func waitFor<T>(
        _ what: String,
        timeout: Duration = .seconds(20),
        sourceLocation: SourceLocation = #_sourceLocation,
        _ probe: (Log) -> T?
    ) async throws -> T {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let found = probe(log) { return found }
            try await Task.sleep(for: .milliseconds(10))
        }
        if let found = probe(log) { return found }
        Issue.record("timed out waiting for \(what); outputs: \(Self.summary(log))", sourceLocation: sourceLocation)
        throw StubError.failed("timeout: \(what)")
    }

    /// Ends the call as Twilio's `stop` would, and waits for the outputs to finish.
    func stop() async {
        tasks.withLock { tasks in for task in tasks { task.cancel() } }
        await session.stop()
        await consumer.withLock { $0 }?.value
    }

    /// The log without the media, for messages.
    static func summary(_ log: Log) -> String {
        let media = log.media.count
        let rest = log.records.filter { if case .media = $0.output { false } else { true } }
            .map { "\($0.at): \($0.output)" }
        return "\(media) media; " + rest.joined(separator: "; ")
    }

    private func consume() async {
        for await output in session.outputs {
            let now = ContinuousClock.now
            let cleared: [String] = state.withLock { state in
                state.log.records.append(Record(at: origin.duration(to: now), output: output))
                switch output {
                case .media:
                    state.playheadEnd = max(state.playheadEnd ?? now, now) + .milliseconds(20)
                case .mark(let name):
                    state.pendingMarks.append((max(state.playheadEnd ?? now, now), name))
                case .clear:
                    state.playheadEnd = nil
                    defer { state.pendingMarks.removeAll() }
                    return state.pendingMarks.map(\.name)
                default:
                    break
                }
                return []
            }
            for name in cleared {
                echo(name, cleared: true)
            }
        }
        state.withLock { $0.log.finished = true }
    }

    private func play() async {
        while !Task.isCancelled {
            let now = ContinuousClock.now
            let due: [String] = state.withLock { state in
                let count = state.pendingMarks.prefix { $0.due <= now }.count
                defer { state.pendingMarks.removeFirst(count) }
                return state.pendingMarks.prefix(count).map(\.name)
            }
            for name in due {
                echo(name, cleared: false)
            }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    private func echo(_ name: String, cleared: Bool) {
        guard echoesMarks else { return }
        let at = origin.duration(to: .now)
        state.withLock { $0.log.echoes.append(Echo(at: at, name: name, cleared: cleared)) }
        session.receiveMark(name: name)
    }

    /// The callee's line: one frame per 20 ms on a fixed schedule (late frames go at once,
    /// as a jittery network delivers them).
    private func sendLine() async {
        let start = lineStart
        var frame = 0
        while !Task.isCancelled {
            try? await Task.sleep(until: start + .milliseconds(20 * frame))
            let samples: [Int16] = state.withLock { state in
                var samples = (0..<160).map { _ in Int16.random(in: -30...30, using: &state.noise) }
                if !state.speech.isEmpty {
                    for index in 0..<160 {
                        samples[index] = Int16(clamping: Int(samples[index]) + Int(state.speech[index]))
                    }
                    state.speech.removeFirst(160)
                }
                return samples
            }
            let payload = MuLaw.encode(samples)
            let began = ContinuousClock.now
            session.receiveMedia(payload: payload, timestampMs: frame * 20)
            let took = began.duration(to: .now)
            state.withLock { state in
                state.framesSent += 1
                state.slowestFrame = max(state.slowestFrame, took)
            }
            frame += 1
        }
    }
}
