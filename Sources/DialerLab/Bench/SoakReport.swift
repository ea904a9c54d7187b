import DialerServices
import Foundation

/// What `dialer-lab bench soak` measured: per window, the callbacks' rate, latency and errors and
/// both processes' memory; over the run, whether memory stayed flat.
struct SoakReport: Sendable {
    struct Window: Sendable {
        let index: Int
        var latenciesMs: [Double] = []
        var errors = 0
        var serveBytes: [Int] = []
        var workerBytes: [Int] = []
        /// Calls the Sandbox Twilio had created by the window's last sample.
        var dialedBy = 0

        var callbacks: Int { latenciesMs.count }

        func percentile(_ p: Double) -> Double { QueueBenchmarkReport.Latency.percentile(latenciesMs, p) }

        static func megabytes(_ bytes: [Int]) -> Double {
            bytes.isEmpty ? 0 : Double(bytes.sorted()[bytes.count / 2]) / 1_048_576
        }

        /// The window as a row: its end, in seconds from the start, and what it held.
        func line(seconds: Double) -> String {
            String(
                format: "%4.0f s  %6.0f/s  p50 %6.2f ms  p99 %7.2f ms  errors %d  serve %6.1f MB  worker %6.1f MB  calls dialed %d",
                Double(index + 1) * seconds,
                Double(callbacks) / seconds,
                percentile(50),
                percentile(99),
                errors,
                Self.megabytes(serveBytes),
                Self.megabytes(workerBytes),
                dialedBy
            )
        }
    }

    let settings: SoakBenchmark.Settings
    let postgres: [(String, String)]
    let logDirectory: String
    var windows: [Window] = []
    /// The same callbacks before the worker started.
    var baseline = Window(index: 0)
    var callsPlaced = 0
    /// The busiest second of the rate slots the dialer reserved (each POST leaves at its slot,
    /// or the slot is given up), and of creates as the Sandbox Twilio logged them, in the
    /// process that also sends the callbacks.
    var busiestSlotSecond = 0
    var busiestDialingSecond = 0
    var restarts = 0
    var events = 0

    var callbacks: Int { windows.reduce(0) { $0 + $1.callbacks } }
    var errors: Int { windows.reduce(0) { $0 + $1.errors } }
    var p99: Double { QueueBenchmarkReport.Latency.percentile(windows.flatMap(\.latenciesMs), 99) }

    /// Memory is flat when the last window's median is within 10 % (and 16 MB) of the second
    /// window's: the first holds the start-up, the pools filling and the first conversations.
    func growth(_ bytes: KeyPath<Window, [Int]>) -> (from: Double, to: Double, flat: Bool) {
        let sampled = windows.filter { !$0[keyPath: bytes].isEmpty }
        guard sampled.count >= 3 else { return (0, 0, false) }
        let from = Window.megabytes(sampled[1][keyPath: bytes])
        let to = Window.megabytes(sampled[sampled.count - 1][keyPath: bytes])
        return (from, to, to <= max(from * 1.1, from + 16))
    }

    var memoryFlat: Bool { growth(\.serveBytes).flat && growth(\.workerBytes).flat }

    var text: String {
        let serve = growth(\.serveBytes)
        let worker = growth(\.workerBytes)
        var lines = [
            "postgres: \(postgres.map { "\($0.0)=\($0.1)" }.joined(separator: " "))",
            "configured: \(Int(settings.callbacksPerSecond)) signed status callbacks/s (paced) over \(settings.connections) keep-alive connections for \(Int(settings.seconds)) s; one worker dialing at \(settings.dialRate) calls/s through the same dialer serve",
            "",
        ]
        lines += windows.map { $0.line(seconds: settings.window) }
        lines += [
            "",
            String(
                format: "baseline, the %.0f s before the worker started: %.0f/s, p50 %.2f ms, p99 %.2f ms, errors %d",
                settings.baselineSeconds,
                Double(baseline.callbacks) / settings.baselineSeconds,
                baseline.percentile(50),
                baseline.percentile(99),
                baseline.errors
            ),
            String(
                format: "callbacks: %d answered in %.0f s (%.0f/s of the %.0f/s sent for), p99 %.2f ms, errors %d (%.4f %%)",
                callbacks,
                settings.seconds,
                Double(callbacks) / settings.seconds,
                settings.callbacksPerSecond,
                p99,
                errors,
                callbacks > 0 ? Double(errors) * 100 / Double(callbacks) : 0
            ),
            "dialing: \(callsPlaced) calls placed at \(settings.dialRate.formatted())/s; busiest second: \(busiestSlotSecond) rate slots (each POST "
                + "leaves at its slot or not at all), \(busiestDialingSecond) creates as the Sandbox Twilio logged them (in this process, under the "
                + "callbacks' load); call_events rows \(events)",
            String(
                format: "memory (median RSS, second window -> last): dialer serve %.1f -> %.1f MB, dialer worker %.1f -> %.1f MB: %@",
                serve.from,
                serve.to,
                worker.from,
                worker.to,
                memoryFlat ? "flat" : "GROWING"
            ),
            "processes restarted after dying: \(restarts); logs: \(logDirectory)",
        ]
        return lines.joined(separator: "\n")
    }
}
