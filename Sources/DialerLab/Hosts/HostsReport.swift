import Foundation

/// What a `dialer-lab hosts` run did and found.
struct HostsReport: Sendable {
    /// When a fault began and ended.
    struct Window: Sendable {
        var start: Date?
        var end: Date?

        init(start: Date? = nil, end: Date? = nil) {
            self.start = start
            self.end = end
        }

        var seconds: Double { (end ?? start ?? Date()).timeIntervalSince(start ?? Date()) }
    }

    let settings: HostsRun.Settings
    var workerCut = Window()
    var serveCut = Window()
    var restarts: [Window] = []
    var settled = false
    /// The counts the chaos invariants fill (calls, Tasks, busiest second).
    var counts = ChaosReport(settings: .init())
    /// Jobs the rescuer took from a worker that was running them, and calls those runs had placed.
    var rescuedRuns = 0
    var conversations = 0
    var conversationsLiveAtARestart = 0
    var conversationsCutByTheServeCut = 0
    var violations: [String] = []
    var logDirectory = ""

    var text: String {
        var lines = [
            "hosts: \(settings.contacts) contacts at \(settings.rate) calls/s; Postgres, HAProxy, 2 dialer serve, 2 dialer worker, "
                + "each on a host of its own; the Sandboxes on another",
            String(
                format: "worker-1 cut off from Postgres for %.0f s (its lease: %d s); runs rescued from a worker: %d",
                workerCut.seconds,
                settings.lease,
                rescuedRuns
            ),
            String(
                format: "serve-1 cut off from the load balancer for %.0f s; conversations cut by it: %d",
                serveCut.seconds,
                conversationsCutByTheServeCut
            ),
            "rolling restarts: "
                + restarts.map { String(format: "%.0f s", $0.seconds) }.joined(separator: ", ")
                + " (SIGTERM to ready); conversations live at a restart: \(conversationsLiveAtARestart), of \(conversations) in all",
            "campaign settled: \(settled ? "yes" : "NO, not within \(Int(settings.settleSeconds)) s")",
            "calls placed: \(counts.callsPlaced); ended: \(counts.endedCalls); Tasks in Salesforce: \(counts.tasks); "
                + "busiest second at Twilio: \(counts.busiestSecond) calls (\(counts.busiestSlotSecond) of the dialer's rate slots)",
            "process logs: \(logDirectory)",
            "violations: \(violations.count)",
        ]
        lines += violations.prefix(50).map { "  - \($0)" }
        if violations.count > 50 { lines.append("  … and \(violations.count - 50) more") }
        return lines.joined(separator: "\n")
    }
}
