import Demo
import DialerServices
import Foundation
import Hummingbird
import Logging
import Sandbox
import Store
import Synchronization
import Voice
import VoiceBenchmark
import Webhooks

/// `dialer-lab bench media`: many calls' media streams at once through the service `dialer serve`
/// runs (`WS /twilio/media`, the conversation sessions, the transcript writes), each stream
/// opened by a Sandbox callee exactly as Twilio opens one: a signed handshake, then a 20 ms
/// frame every 20 ms in real time, marks echoed as the agent's audio plays.
///
/// With the stand-in services (the default) speech-to-text, the agent and text-to-speech
/// answer at once, so what is measured is the media path alone: every frame's cost in the
/// service, and that none was lost (frames the callees sent against `frames_received` in
/// media_streams). With `embedded`, calls run on PocketSphinx, the built-in script and
/// espeak-ng, one after another per stream, for the recognizer's real-time factor and the
/// callee's wait from the end of their speech to the agent's first audio.
struct MediaBenchmark: Sendable {
    struct Settings: Sendable {
        var streams: Int
        var seconds: Double
        var embedded: Bool
    }

    static let publicURL = "https://bench.dialer.invalid"

    let url: DatabaseURL
    let settings: Settings
    let logger: Logger

    func run(progress: @escaping @Sendable (String) -> Void) async throws -> MediaBenchmarkReport {
        let token = UUID().uuidString
        return try await Database.run(url: url, maxConnections: 20, logger: logger) { db in
            try await Migrator(database: db).migrate()
            var report = MediaBenchmarkReport(settings: settings, postgres: try await QueueBenchmark.postgresSettings(db))
            if !settings.embedded {
                let seconds = Int(min(10, settings.seconds))
                progress("baseline: \(settings.streams) conversation sessions fed in process, no socket, for \(seconds) s")
                report.baseline = await ConversationBenchmark.measureFrameCost(sessions: settings.streams, seconds: seconds, realTime: true)
            }
            // An embedded call lasts about 25 s; every stream may place a few.
            let calls = settings.streams * (settings.embedded ? Int(settings.seconds / 15) + 2 : 1)
            progress("seeding \(calls) answered calls")
            let (campaign, placed) = try await db.seedPlacedCalls(name: "bench-media-\(Int(Date().timeIntervalSince1970))", calls: calls)
            return try await db.removingBenchmarkCampaign(campaign) {
                let observer = MediaMeasurements()
                var metrics = WebhookMetrics()
                metrics.mediaObserver = observer
                let configuration = TwilioWebhookConfiguration(publicURL: Self.publicURL, authToken: token)
                let timedSpeech = TimedSpeechToText(settings.embedded ? PocketSphinxSpeechToText() : ConversationBenchmark.standIns.speechToText)
                var voice =
                    settings.embedded
                    ? VoiceComponents(speechToText: timedSpeech, agent: try ScriptedAgent(script: .default), textToSpeech: EspeakTextToSpeech())
                    : ConversationBenchmark.standIns
                voice.speechToText = timedSpeech
                if settings.embedded {
                    progress("loading the PocketSphinx model")
                    _ = try await timedSpeech.transcribe(
                        [Int16](repeating: 0, count: 1600),
                        sampleRate: 8000,
                        hints: RecognitionHints(phrases: ["yes"])
                    )
                    timedSpeech.reset()
                }
                let router = WebhookRouter.make(database: db, configuration: configuration, control: nil, metrics: metrics)
                let media = WebhookRouter.makeMedia(database: db, configuration: configuration, voice: voice, metrics: metrics)
                let usage = ProcessUsage.now()
                let started = ContinuousClock.now
                let sessions = try await withLoopbackServer(router, webSocketRouter: media, logger: logger) { port in
                    try await callees(port: port, token: token, campaign: campaign, calls: placed, progress: progress)
                }
                report.cpuSeconds = ProcessUsage.now().seconds - usage.seconds
                report.wallSeconds = (ContinuousClock.now - started).seconds
                report.sessions = sessions
                report.frames = observer.frames()
                report.turns = observer.turns()
                report.recognition = timedSpeech.measured()
                report.durable = try await durable(db, campaign: campaign, streams: sessions.count, progress: progress)
                return report
            }
        }
    }

    /// Every stream's callee, until `seconds` have passed: one long call each with the
    /// stand-ins (started over the first second, so their turns do not line up), calls one
    /// after another with the embedded stack.
    func callees(
        port: Int,
        token: String,
        campaign: Int64,
        calls: [Database.PlacedCall],
        progress: @escaping @Sendable (String) -> Void
    ) async throws -> [MediaSessionLog] {
        let next = RequestNumbers()
        let clock = ContinuousClock()
        let end = clock.now + .seconds(settings.seconds)
        let (streams, embedded) = (settings.streams, settings.embedded)
        progress("\(streams) media streams for \(Int(settings.seconds)) s (\(embedded ? "embedded speech, agent and voice" : "stand-in services"))")
        let open = OpenStreams()
        let reporter = Task {
            while !Task.isCancelled, clock.now < end {
                try? await Task.sleep(for: .seconds(5))
                progress("  \(open.count.load(ordering: .relaxed)) streams open")
            }
        }
        defer { reporter.cancel() }
        return try await withThrowingTaskGroup(of: [MediaSessionLog].self) { group in
            for slot in 0..<streams {
                group.addTask {
                    try await Task.sleep(for: .milliseconds(slot * 1000 / streams))
                    var logs: [MediaSessionLog] = []
                    while clock.now < end {
                        let n = next.take()
                        guard n < calls.count else { throw CommandFailure("ran out of seeded calls: raise the seed") }
                        let left = clock.now.duration(to: end)
                        var script = embedded ? CalleeScript.says("yes", "morning") : CalleeScript(Array(repeating: .init("yes"), count: 10_000))
                        script.maximumLength = embedded ? .seconds(60) : left
                        let stream = SandboxMediaStream(
                            stream: ConnectStream(
                                url: "ws://127.0.0.1:\(port)/twilio/media",
                                parameters: [
                                    "attempt": calls[n].attemptID, "campaign": String(campaign), "contact": String(calls[n].contactID),
                                    // What the voice webhook's TwiML would have carried.
                                    MediaStreamCredential.parameter: UUID(uuidString: calls[n].attemptID).map {
                                        MediaStreamCredential(authToken: token).token(attemptID: $0, callSID: calls[n].callSID)
                                    } ?? "",
                                ]
                            ),
                            accountSID: "ACbench00000000000000000000000000",
                            authToken: token,
                            callSID: calls[n].callSID,
                            script: script,
                            signedURL: TwilioWebhookConfiguration(publicURL: Self.publicURL, authToken: token).mediaStreamURL,
                            logger: logger
                        )
                        open.count.add(1, ordering: .relaxed)
                        logs.append(await stream.run())
                        open.count.subtract(1, ordering: .relaxed)
                        if !embedded { break }
                    }
                    return logs
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
    }

    /// What the service wrote, once every stream's end row has landed.
    func durable(
        _ db: Database,
        campaign: Int64,
        streams: Int,
        progress: @escaping @Sendable (String) -> Void
    ) async throws -> MediaBenchmarkReport.Durable {
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            let rows = try await db.client.query(
                """
                SELECT count(*)::int, count(s.ended_at)::int, coalesce(sum(s.frames_received), 0)::bigint, coalesce(sum(s.frames_sent), 0)::bigint,
                       coalesce(sum(s.malformed), 0)::bigint,
                       (SELECT count(*) FROM dialer.transcript_entries t JOIN dialer.call_attempts a ON a.id = t.attempt_id
                        WHERE a.campaign_id = \(campaign) AND t.speaker = 'callee')::int,
                       (SELECT count(*) FROM dialer.transcript_entries t JOIN dialer.call_attempts a ON a.id = t.attempt_id
                        WHERE a.campaign_id = \(campaign) AND t.speaker = 'agent')::int
                FROM dialer.media_streams s JOIN dialer.call_attempts a ON a.id = s.attempt_id WHERE a.campaign_id = \(campaign)
                """,
                logger: logger
            )
            for try await (count, ended, received, sent, malformed, callee, agent) in rows.decode((Int, Int, Int64, Int64, Int64, Int, Int).self) {
                let durable = MediaBenchmarkReport.Durable(
                    streams: count,
                    ended: ended,
                    framesReceived: Int(received),
                    framesSent: Int(sent),
                    malformed: Int(malformed),
                    calleeEntries: callee,
                    agentEntries: agent
                )
                if ended >= streams || ContinuousClock.now > deadline { return durable }
            }
            progress("waiting for the streams' last rows")
            try await Task.sleep(for: .milliseconds(500))
        }
    }
}

/// Streams open now, for the progress lines.
final class OpenStreams: Sendable {
    let count = Atomic<Int>(0)
}

/// Every frame cost and turn latency the service measured, kept whole for percentiles.
final class MediaMeasurements: MediaObserver {
    private let state = Mutex<(frames: [Duration], turns: [Duration])>(([], []))

    func frame(_ duration: Duration) { state.withLock { $0.frames.append(duration) } }
    func turn(_ latency: Duration) { state.withLock { $0.turns.append(latency) } }
    func frames() -> [Duration] { state.withLock { $0.frames } }
    func turns() -> [Duration] { state.withLock { $0.turns } }
}

/// A recognizer that times each turn against the audio's length: the real-time factor.
final class TimedSpeechToText: SpeechToText {
    private let recognizer: any SpeechToText
    private let spans = Mutex<(audio: Double, spent: Duration, turns: Int)>((0, .zero, 0))

    init(_ recognizer: any SpeechToText) {
        self.recognizer = recognizer
    }

    func transcribe(_ audio: [Int16], sampleRate: Int, hints: RecognitionHints) async throws -> Transcription? {
        let start = ContinuousClock.now
        defer {
            let spent = ContinuousClock.now - start
            spans.withLock { $0 = ($0.audio + Double(audio.count) / Double(sampleRate), $0.spent + spent, $0.turns + 1) }
        }
        return try await recognizer.transcribe(audio, sampleRate: sampleRate, hints: hints)
    }

    func reset() { spans.withLock { $0 = (0, .zero, 0) } }

    func measured() -> MediaBenchmarkReport.Recognition {
        spans.withLock { .init(turns: $0.turns, audioSeconds: $0.audio, spent: $0.spent) }
    }
}

/// The process's CPU time so far, user and system, for the cores a run kept busy.
struct ProcessUsage {
    var seconds: Double

    static func now() -> ProcessUsage {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let user = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        let system = Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
        return ProcessUsage(seconds: user + system)
    }
}
