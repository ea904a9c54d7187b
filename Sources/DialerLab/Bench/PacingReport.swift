import DialerServices
import Foundation
import Sandbox

/// What `dialer-lab bench pacing` measured.
struct PacingReport: Sendable {
    let settings: PacingBenchmark.Settings
    let postgres: [(String, String)]
    /// When each create that made a call reached the Sandbox (epoch seconds).
    var creates: [Double] = []
    var refused = 0
    var duplicateNumbers = 0
    var reserveMs: [Double] = []
    var postLateMs: [Double] = []
    var missedLateMs: [Double] = []
    var arrivalAfterSlotMs: [Double] = []
    var baselineRoundTripMs: [Double] = []
    var baselineReserveMs: [Double] = []

    mutating func add(_ figures: PacingRecorder.Figures) {
        reserveMs += figures.reserveMs
        postLateMs += figures.postLateMs
        missedLateMs += figures.missedLateMs
    }

    /// Creates inside the measured span: `seconds` from the first one.
    var measured: [Double] {
        guard let first = creates.min() else { return [] }
        return creates.filter { $0 < first + settings.seconds }
    }

    var achievedRate: Double { Double(measured.count) / settings.seconds }
    var deviationPercent: Double { (achievedRate / settings.rate - 1) * 100 }
    /// A window may hold at most this many calls: the rate, rounded down.
    var limit: Int { Int(settings.rate.rounded(.down)) }
    var windowsAbove: Int { RateWindow.windowsAbove(limit, creates) }

    var text: String {
        func stats(_ values: [Double]) -> String {
            String(
                format: "min %.2f ms, p50 %.2f ms, p99 %.2f ms, max %.2f ms (n=%d)",
                values.min() ?? 0,
                percentile(values, 50),
                percentile(values, 99),
                values.max() ?? 0,
                values.count
            )
        }
        return """
            postgres: \(postgres.map { "\($0.0)=\($0.1)" }.joined(separator: " "))
            configured: \(settings.rate) calls/s, \(settings.processes) worker process(es) x \(settings.concurrency), \(settings.seconds) s measured
            achieved: \(measured.count) calls in \(settings.seconds) s = \(String(format: "%.3f", achievedRate)) calls/s (\(String(format: "%+.2f", deviationPercent))%)
            sliding 1 s windows above \(limit): \(windowsAbove) (busiest window: \(RateWindow.busiest(creates)) calls; \(creates.count) calls in all)
            the same number dialed twice: \(duplicateNumbers); creates refused by the Sandbox: \(refused)
            slot reservation latency: \(stats(reserveMs))
            POST start after its slot: \(stats(postLateMs))
            create reaching the Sandbox after its slot: \(stats(arrivalAfterSlotMs))
            slowest arrivals (ms after slot): \(arrivalAfterSlotMs.sorted().suffix(8).map { String(format: "%.1f", $0) }.joined(separator: " "))
            slots given up for waking late: \(missedLateMs.count)
            baseline, same pool after the run: SELECT 1 \(stats(baselineRoundTripMs)); uncontended reservation \(stats(baselineReserveMs))
            """
    }

    func percentile(_ values: [Double], _ p: Double) -> Double { QueueBenchmarkReport.Latency.percentile(values, p) }
}
