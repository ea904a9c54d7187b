import ArgumentParser
import Demo
import DialerServices
import Foundation
import Logging
import Synchronization

/// `dialer-lab chaos`: the invariants under fire.
struct ChaosCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chaos",
        abstract: "Run a campaign while processes die and services fail, then check every invariant.",
        discussion: """
            Starts a throwaway Postgres cluster, the Sandbox Salesforce and Twilio in this \
            process, and two `dialer worker`s and one `dialer serve` as child processes. While a \
            campaign runs, it SIGKILLs and restarts workers and the webhook server at random \
            moments, restarts Postgres once (fast shutdown, then start), and injects Salesforce \
            500s, expired sessions (401) and REQUEST_LIMIT_EXCEEDED, and Twilio 429s, 500s after \
            creating the call, and timeouts. Then it checks, from SQL and the Sandboxes' records: \
            no contact dialed twice for one attempt, the rate never exceeded, every call ended, \
            exactly one Task per ended call, no job lost or stuck. It prints a report and exits \
            non-zero on any violation.

            Examples:
              dialer-lab chaos                      the short mode: 1,000 contacts, 45 s of faults
              dialer-lab chaos --long               10,000 contacts, 10 minutes of faults
              dialer-lab chaos --contacts 3000 --seconds 120
            """
    )

    @Option(help: "Contacts in the campaign (default 1,000; 10,000 with --long).") var contacts: Int?
    @Option(help: "Seconds of faults (default 45; 600 with --long).") var seconds: Double?
    @Option(help: "Calls per second.") var rate = 20.0
    @Flag(help: "The long mode, for manual runs.") var long = false
    @Option(help: "Log level of this process.") var logLevel: String?
    @Option(
        help: "Give up (exit 3, children killed, cluster removed) after this many seconds; by default the faults, the settling time and 300 s more."
    )
    var giveUpAfter: Double?

    func run() async throws {
        LogSetup.bootstrap(level: logLevel ?? "error")
        var settings = ChaosRun.Settings()
        settings.contacts = contacts ?? (long ? 10_000 : 1_000)
        settings.chaosSeconds = seconds ?? (long ? 600 : 45)
        // A contact takes up to two calls, and the faults slow the dialing they overlap: the
        // campaign may need about the time of two calls per contact at the rate, and then some.
        settings.settleSeconds = 300 + Double(settings.contacts) * 2 / rate
        settings.rate = rate
        let started = ContinuousClock.now
        let report = try await Self.watched(giveUpAfter: giveUpAfter ?? (settings.chaosSeconds + settings.settleSeconds + 300)) { progress in
            try await ChaosRun(settings: settings, logger: Logger(label: "dialer.chaos")).run(progress: progress)
        }
        say(report.text)
        say(String(format: "chaos run took %.0f s", (ContinuousClock.now - started).seconds))
        if !report.violations.isEmpty || !report.settled { throw ExitCode.failure }
    }

    /// Runs `body`, its progress said line by line, under the watchdog.
    static func watched<Report: Sendable>(
        giveUpAfter seconds: Double,
        _ body: (@escaping @Sendable (String) -> Void) async throws -> Report
    ) async throws -> Report {
        let lastStep = LastStep()
        watchdog(after: seconds, lastStep: lastStep)
        defer { lastStep.finished.withLock { $0 = true } }
        return try await body { line in
            lastStep.line.withLock { $0 = line }
            say(line)
        }
    }

    /// A run that outlives every bound it sets itself is stuck somewhere: it says where, kills
    /// its children, stops its cluster and exits, rather than hold CI until its timeout. On a
    /// thread of its own, so that it fires even when the concurrency pool is blocked.
    static func watchdog(after seconds: Double, lastStep: LastStep) {
        Thread.detachNewThread {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline, !lastStep.finished.withLock({ $0 }) { Thread.sleep(forTimeInterval: 1) }
            guard !lastStep.finished.withLock({ $0 }) else { return }
            say("chaos: still running after \(Int(seconds)) s, last step \"\(lastStep.line.withLock { $0 })\": giving up")
            InterruptCleanup.shared.undoAllAndExit(3)
        }
    }
}

/// The last progress line, for the watchdog to say where a run stuck, and whether it ended.
final class LastStep: Sendable {
    let line = Mutex("starting")
    let finished = Mutex(false)
}
