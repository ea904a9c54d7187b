import DialerServices
import Foundation

/// What `dialer-lab bench webhooks` measured.
struct WebhookBenchmarkReport: Sendable {
    /// Requests answered within the measured span, from every connection.
    struct Load: Sendable {
        var seconds = 0.0
        var latenciesMs: [Double] = []
        var statuses: [UInt: Int] = [:]

        mutating func merge(_ other: Load) {
            latenciesMs += other.latenciesMs
            statuses.merge(other.statuses, uniquingKeysWith: +)
        }

        var rate: Double { seconds > 0 ? Double(latenciesMs.count) / seconds : 0 }

        var text: String {
            let percentile = { QueueBenchmarkReport.Latency.percentile(latenciesMs, $0) }
            return String(
                format: "%.0f/s (%d in %.0f s); latency p50 %.2f ms, p99 %.2f ms, max %.2f ms; answers %@",
                rate,
                latenciesMs.count,
                seconds,
                percentile(50),
                percentile(99),
                latenciesMs.max() ?? 0,
                statuses.sorted { $0.key < $1.key }.map { "\($0.key) x\($0.value)" }.joined(separator: ", ")
            )
        }
    }

    /// Rows the run left for the benchmark's campaign.
    struct Durable: Sendable {
        var events: Int
        var completedCalls: Int
        var finalizeJobs: Int
        var taskSyncs: Int
    }

    let settings: WebhookBenchmark.Settings
    let postgres: [(String, String)]
    var baseline = Load()
    var callbacks = Load()
    var durable = Durable(events: 0, completedCalls: 0, finalizeJobs: 0, taskSyncs: 0)

    /// Callbacks answered 204, warm-up included: each one's event must be in call_events.
    var text: String {
        """
        postgres: \(postgres.map { "\($0.0)=\($0.1)" }.joined(separator: " "))
        configured: \(settings.connections) keep-alive connections, \(settings.seconds) s measured after \(settings.warmup) s of warm-up; service pool 20 connections, \(settings.statusWriters) status writers\(settings.answerDeadline ? "" : ", without the answer deadline (experiment)")
        signed status callbacks: \(callbacks.text)
        baseline, same service and connections: GET /healthz \(baseline.text)
        durable: \(durable.events) call_events, \(durable.completedCalls) calls completed, \(durable.finalizeJobs) finalize jobs, \(durable.taskSyncs) Task syncs (warm-up included)
        """
    }
}
