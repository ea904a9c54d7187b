import Foundation
import Synchronization
import Voice

/// An agent whose words the test gives, recording what each turn showed it.
struct StubAgent: Agent {
    var opening = AgentReply(text: "opening")
    var openingDelay: Duration = .zero
    var replyDelay: Duration = .zero
    var hints = RecognitionHints(phrases: ["yes", "no", "stop calling me"])
    var reply: @Sendable (Transcription?) throws -> AgentReply = { _ in AgentReply(text: "reply") }
    /// The verdict at the callee's pauses; nil: the agent does not judge them.
    var completeness: (@Sendable (Transcription?) -> TurnCompleteness)?
    let heard = Recorder<Transcription?>()

    func startConversation(_ call: AgentCallContext) async throws -> any AgentConversation {
        StubConversation(agent: self)
    }
}

struct StubConversation: AgentConversation {
    let agent: StubAgent

    func opening() async throws -> AgentReply {
        try await Task.sleep(for: agent.openingDelay)
        return agent.opening
    }

    func reply(to callee: Transcription?) async throws -> AgentReply {
        agent.heard.append(callee)
        try await Task.sleep(for: agent.replyDelay)
        return try agent.reply(callee)
    }

    func recognitionHints() async -> RecognitionHints { agent.hints }

    var judgesTurnEnds: Bool { agent.completeness != nil }

    func turnCompleteness(_ heard: Transcription?, hesitant: @Sendable () async -> Transcription?) async -> TurnCompleteness {
        agent.completeness?(heard) ?? .unsure
    }
}

/// Speech-to-text that answers as the test says: by call number (0, 1, …), after an
/// optional delay. Records when each call began and ended.
struct StubSpeechToText: SpeechToText {
    var delay: Duration = .zero
    var answer: @Sendable (_ call: Int, _ audio: [Int16]) throws -> Transcription? = { _, _ in
        Transcription(text: "yes", confidence: 0.9)
    }
    let calls = Recorder<(began: ContinuousClock.Instant, ended: ContinuousClock.Instant, samples: Int)>()
    /// When each call began, as it begins.
    let began = Recorder<ContinuousClock.Instant>()
    private let count = Counter()

    func transcribe(_ audio: [Int16], sampleRate: Int, hints: RecognitionHints) async throws -> Transcription? {
        let began = ContinuousClock.now
        self.began.append(began)
        let call = count.next()
        defer { calls.append((began, ContinuousClock.now, audio.count)) }
        try await Task.sleep(for: delay)
        return try answer(call, audio)
    }
}

/// Text-to-speech that makes a fixed length of audio per text (not silence, so it is
/// visibly the agent's), or fails for the texts it is told to.
struct StubTextToSpeech: TextToSpeech {
    var durationsMs: [String: Int] = [:]
    var defaultMs = 600
    var failing: Set<String> = []
    /// How long synthesizing a text takes.
    var delaysMs: [String: Int] = [:]
    let synthesized = Recorder<String>()

    func synthesize(_ text: String) async throws -> [UInt8] {
        synthesized.append(text)
        if let delay = delaysMs[text] { try await Task.sleep(for: .milliseconds(delay)) }
        if failing.contains(text) { throw StubError.failed("tts: \(text)") }
        return [UInt8](repeating: 0x55, count: (durationsMs[text] ?? defaultMs) * 8)
    }
}

enum StubError: Error, Equatable {
    case failed(String)
}

/// A thread-safe list, for stubs that record what they were called with.
final class Recorder<Element: Sendable>: Sendable {
    private let items = Mutex<[Element]>([])

    func append(_ item: Element) {
        items.withLock { $0.append(item) }
    }

    var all: [Element] { items.withLock { $0 } }
}

/// A thread-safe counter: 0, 1, 2, …
final class Counter: Sendable {
    private let value = Mutex(0)

    func next() -> Int {
        value.withLock { value in
            defer { value += 1 }
            return value
        }
    }
}
