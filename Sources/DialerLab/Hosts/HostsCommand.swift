import ArgumentParser
import Demo
import DialerServices
import Foundation
import Logging

/// `dialer-lab hosts`: the dialer on several hosts, for real.
struct HostsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hosts",
        abstract: "Run a campaign across hosts of their own (network namespaces) behind HAProxy, through network cuts and a rolling deploy.",
        discussion: """
            Makes seven hosts on this machine, each a network namespace with one address on a \
            private bridge with no uplink (10.77.0.0/24; nothing leaves the machine): Postgres \
            on one, HAProxy on another in front of two `dialer serve` hosts, two `dialer \
            worker` hosts, and this process with the Sandbox Twilio and Salesforce. While a \
            campaign runs it cuts one worker host off from Postgres for four leases (its jobs \
            are rescued; it must place no call after), cuts one serve host off from the load \
            balancer while calls talk, and restarts both serves one at a time (each drains, \
            the next waits for the new one to be ready). Then it checks the chaos invariants, \
            that no run placed a call after its job was taken back, and that no conversation \
            was cut but by the serve host's cut. Needs root and HAProxy (ops/bootstrap); exits \
            non-zero on any violation.

            Examples:
              sudo dialer-lab hosts                     300 contacts at 10 calls/s
              sudo dialer-lab hosts --contacts 1000 --rate 20
            """
    )

    @Option(help: "Contacts in the campaign.") var contacts = HostsRun.Settings().contacts
    @Option(help: "Calls per second.") var rate = HostsRun.Settings().rate
    @Option(help: "Log level of this process.") var logLevel: String?

    func run() async throws {
        LogSetup.bootstrap(level: logLevel ?? "error")
        var settings = HostsRun.Settings()
        settings.contacts = contacts
        settings.rate = rate
        // A clean-clone rehearsal's run took 447 s in all: six Task syncs drained for minutes
        // after the faults, one by one (under review). The bound is for a hang, not a speed.
        settings.settleSeconds = 600 + Double(contacts) * 2 / rate
        let started = ContinuousClock.now
        let report = try await ChaosCommand.watched(giveUpAfter: settings.settleSeconds + 600) { progress in
            try await HostsRun(settings: settings, logger: Logger(label: "dialer.hosts")).run(progress: progress)
        }
        say(report.text)
        say(String(format: "hosts run took %.0f s", (ContinuousClock.now - started).seconds))
        if !report.violations.isEmpty || !report.settled { throw ExitCode.failure }
    }
}
