import DialerServices
import Foundation

/// What `dialer-lab bench queue` measured.
struct QueueBenchmarkReport: Sendable {
    struct Latency: Sendable {
        var pickupMs: [Double]
        var endToEndMs: [Double]

        static func percentile(_ values: [Double], _ p: Double) -> Double {
            guard !values.isEmpty else { return 0 }
            let sorted = values.sorted()
            let rank = Int((p / 100 * Double(sorted.count - 1)).rounded())
            return sorted[min(sorted.count - 1, max(0, rank))]
        }
    }

    let settings: QueueBenchmark.Settings
    let postgres: [(String, String)]
    var enqueueSeconds = 0.0
    var drainWallSeconds = 0.0
    var drainDatabaseSeconds = 0.0
    var latency: Latency?

    var enqueueRate: Double { Double(settings.jobs) / max(enqueueSeconds, 1e-9) }
    var drainRate: Double { Double(settings.jobs) / max(drainDatabaseSeconds, 1e-9) }
    var drainWallRate: Double { Double(settings.jobs) / max(drainWallSeconds, 1e-9) }

    var text: String {
        var lines: [String] = []
        lines.append("postgres: " + postgres.map { "\($0.0)=\($0.1)" }.joined(separator: " "))
        lines.append(
            "settings: jobs=\(settings.jobs) processes=\(settings.processes) workers=\(settings.workers) batch=\(settings.batch) concurrency=\(settings.concurrency) enqueue_batch=\(settings.enqueueBatch)"
        )
        lines.append(String(format: "enqueue: %.0f jobs/s (%.2f s)", enqueueRate, enqueueSeconds))
        lines.append(
            String(
                format: "drain:   %.0f jobs/s (%.2f s first claim to last completion; %.0f jobs/s wall clock)",
                drainRate,
                drainDatabaseSeconds,
                drainWallRate
            )
        )
        if let latency {
            lines.append(
                String(
                    format: "idle pick-up latency (commit to handler start): p50 %.2f ms, p99 %.2f ms over %d jobs",
                    Latency.percentile(latency.pickupMs, 50),
                    Latency.percentile(latency.pickupMs, 99),
                    latency.pickupMs.count
                )
            )
            lines.append(
                String(
                    format: "enqueue call to handler start:                  p50 %.2f ms, p99 %.2f ms",
                    Latency.percentile(latency.endToEndMs, 50),
                    Latency.percentile(latency.endToEndMs, 99)
                )
            )
        }
        return lines.joined(separator: "\n")
    }

    var json: String {
        var object: [String: Any] = [
            "tool": "dialer", "jobs": settings.jobs, "processes": settings.processes, "workers": settings.workers,
            "batch": settings.batch, "concurrency": settings.concurrency,
            "enqueue_jobs_per_s": enqueueRate.rounded(), "drain_jobs_per_s": drainRate.rounded(),
            "drain_wall_jobs_per_s": drainWallRate.rounded(),
            "postgres": Dictionary(postgres, uniquingKeysWith: { a, _ in a }),
        ]
        if let latency {
            object["pickup_p50_ms"] = Latency.percentile(latency.pickupMs, 50)
            object["pickup_p99_ms"] = Latency.percentile(latency.pickupMs, 99)
            object["enqueue_to_start_p50_ms"] = Latency.percentile(latency.endToEndMs, 50)
            object["enqueue_to_start_p99_ms"] = Latency.percentile(latency.endToEndMs, 99)
        }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
