import ArgumentParser

/// The `dialer-lab` command: the demo, the benchmarks and the chaos run. None of it ships:
/// `dialer` holds what an operator deploys, and the lab drives that very binary as child
/// processes, breaking it from outside (signals, and the Sandboxes' hooks).
@main
struct DialerLab: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dialer-lab",
        abstract: "The dialer's lab: the demo, the benchmarks and the chaos run, around the real dialer binary.",
        discussion: """
            The Sandbox Salesforce and Twilio run in this process; `dialer worker` and `dialer \
            serve` run as child processes, from the `dialer` binary next to this one (or \
            $DIALER_BINARY).

            Examples:
              dialer-lab demo
              dialer-lab chaos
              dialer-lab bench queue --jobs 100000 --workers 5
            """,
        subcommands: [DemoCommand.self, ChaosCommand.self, HostsCommand.self, BenchCommand.self, PacingWorkerCommand.self]
    )
}
