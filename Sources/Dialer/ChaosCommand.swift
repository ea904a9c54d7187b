import ArgumentParser
import Foundation
import Logging

/// `dialer chaos`: the invariants under fire.
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
              dialer chaos                      the short mode: 1,000 contacts, 45 s of faults
              dialer chaos --long               10,000 contacts, 10 minutes of faults
              dialer chaos --contacts 3000 --seconds 120
            """
    )

    @Option(help: "Contacts in the campaign (default 1,000; 10,000 with --long).") var contacts: Int?
    @Option(help: "Seconds of faults (default 45; 600 with --long).") var seconds: Double?
    @Option(help: "Calls per second.") var rate = 20.0
    @Flag(help: "The long mode, for manual runs.") var long = false
    @Option(help: "Log level of this process.") var logLevel: String?

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
        let report = try await ChaosRun(settings: settings, logger: Logger(label: "dialer.chaos")).run { say($0) }
        say(report.text)
        say(String(format: "chaos run took %.0f s", (ContinuousClock.now - started).seconds))
        if !report.violations.isEmpty || !report.settled { throw ExitCode.failure }
    }
}
