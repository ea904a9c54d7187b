import DialerServices
import Foundation
import Sandbox
import Voice
import VoiceBenchmark

/// What `dialer-lab bench media` measured.
struct MediaBenchmarkReport: Sendable {
    /// The recognizer's work: turns, the audio they held, and the time spent on them.
    struct Recognition: Sendable {
        var turns = 0
        var audioSeconds = 0.0
        var spent = Duration.zero

        var realTimeFactor: Double { audioSeconds > 0 ? spent.seconds / audioSeconds : 0 }
    }

    /// The benchmark's rows in media_streams and transcript_entries.
    struct Durable: Sendable {
        var streams = 0
        var ended = 0
        var framesReceived = 0
        var framesSent = 0
        var malformed = 0
        var calleeEntries = 0
        var agentEntries = 0
    }

    let settings: MediaBenchmark.Settings
    let postgres: [(String, String)]
    var baseline: ConversationBenchmark.FrameCost?
    var sessions: [MediaSessionLog] = []
    var frames: [Duration] = []
    var turns: [Duration] = []
    var recognition = Recognition()
    var durable = Durable()
    var cpuSeconds = 0.0
    var wallSeconds = 0.0

    var framesSentByCallees: Int { sessions.reduce(0) { $0 + $1.framesSent } }
    /// Frames per second of each stream's own length: 50 when the callees kept real time.
    var framesPerStreamSecond: Double {
        let streamSeconds = sessions.reduce(0.0) { $0 + Double($1.lengthMs) / 1000 }
        return streamSeconds > 0 ? Double(framesSentByCallees) / streamSeconds : 0
    }
    var dropped: Int { framesSentByCallees - durable.framesReceived }

    static func percentile(_ sorted: [Duration], _ p: Double) -> Duration {
        sorted.isEmpty ? .zero : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p / 100))]
    }

    static func ms(_ duration: Duration) -> String { String(format: "%.3f ms", duration.seconds * 1000) }

    var text: String {
        let frames = self.frames.sorted()
        let turns = self.turns.sorted()
        let endings = Dictionary(grouping: sessions, by: \.ending).map { "\($0.key.rawValue) x\($0.value.count)" }.sorted()
        var lines = [
            "postgres: \(postgres.map { "\($0.0)=\($0.1)" }.joined(separator: " "))",
            "configured: \(settings.streams) streams, \(settings.seconds) s, \(settings.embedded ? "embedded PocketSphinx, script agent, espeak-ng" : "stand-in speech-to-text, agent and text-to-speech"); service pool 20 connections",
            String(
                format:
                    "inbound frames: %d sent by the callees in %.0f s (%.0f/s; %.1f per stream-second), %d received by the service, %d dropped, %d malformed",
                framesSentByCallees,
                settings.seconds,
                Double(framesSentByCallees) / settings.seconds,
                framesPerStreamSecond,
                durable.framesReceived,
                dropped,
                durable.malformed
            ),
            "per-frame processing (\(frames.count) frames): p50 \(Self.ms(Self.percentile(frames, 50))), p99 \(Self.ms(Self.percentile(frames, 99))), p99.9 \(Self.ms(Self.percentile(frames, 99.9))), max \(Self.ms(frames.last ?? .zero))",
            "outbound: \(durable.framesSent) agent frames sent, \(sessions.reduce(0) { $0 + $1.marksEchoed.count }) marks echoed, \(sessions.reduce(0) { $0 + $1.clearsAtMs.count }) clears",
            "transcripts: \(durable.calleeEntries) callee and \(durable.agentEntries) agent entries; streams \(durable.streams) opened, \(durable.ended) closed; endings \(endings.joined(separator: ", "))",
            String(
                format: "process CPU (service and callees together): %.1f s in %.1f s, %.2f cores",
                cpuSeconds,
                wallSeconds,
                cpuSeconds / max(wallSeconds, 0.001)
            ),
            "turn latency, end of callee speech to first agent audio (\(turns.count) turns): p50 \(Self.ms(Self.percentile(turns, 50))), p95 \(Self.ms(Self.percentile(turns, 95)))",
        ]
        if recognition.turns > 0, settings.embedded {
            lines.append(
                String(
                    format: "speech-to-text: %d turns, %.1f s of audio in %.2f s: real-time factor %.3f",
                    recognition.turns,
                    recognition.audioSeconds,
                    recognition.spent.seconds,
                    recognition.realTimeFactor
                )
            )
        }
        if let baseline {
            lines.append("baseline, sessions fed in process without a socket: \(baseline)")
        }
        return lines.joined(separator: "\n")
    }
}
