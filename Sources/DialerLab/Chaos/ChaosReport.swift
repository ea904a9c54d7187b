import DialerServices
import Foundation

/// What a chaos run did and found.
struct ChaosReport: Sendable {
    let settings: ChaosRun.Settings
    var kills: [String: Int] = [:]
    var crashes = 0
    var postgresRestarts = 0
    var faults: [String: Int] = [:]
    var starts: [String: Int] = [:]
    var settled = false
    var callsPlaced = 0
    var endedCalls = 0
    var tasks = 0
    var busiestSecond = 0
    var busiestSlotSecond = 0
    var discardedJobs: [String: Int] = [:]
    var violations: [String] = []
    var logDirectory = ""

    var text: String {
        func list(_ counts: [String: Int]) -> String {
            counts.isEmpty ? "none" : counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        }
        var lines = [
            "chaos: \(settings.contacts) contacts at \(settings.rate) calls/s, faults for \(Int(settings.chaosSeconds)) s",
            "kills (SIGKILL, then started again): \(list(kills)); \(kills.values.reduce(0, +)) in all",
            "processes that died on their own and were started again: \(crashes)",
            "Postgres restarts (fast shutdown, then start): \(postgresRestarts)",
            "faults injected: \(list(faults))",
            "campaign settled: \(settled ? "yes" : "NO, not within \(Int(settings.settleSeconds)) s")",
            "calls placed: \(callsPlaced); ended: \(endedCalls); Tasks in Salesforce: \(tasks); busiest second at Twilio: \(busiestSecond) calls "
                + "(\(busiestSlotSecond) of the dialer's rate slots)",
            "jobs discarded (a permanent error, kept with it): \(list(discardedJobs))",
            "process logs: \(logDirectory)",
            "violations: \(violations.count)",
        ]
        lines += violations.prefix(50).map { "  - \($0)" }
        if violations.count > 50 { lines.append("  … and \(violations.count - 50) more") }
        return lines.joined(separator: "\n")
    }
}
