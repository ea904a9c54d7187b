import ArgumentParser
import DialerServices
import Foundation
import Store

/// `dialer-lab pacing-worker`: `dialer worker`, built by the same factory from the same
/// settings, with an observer that keeps every pacing figure and writes them out when it
/// stops. `dialer-lab bench pacing` runs it; the production worker has no such switch.
struct PacingWorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pacing-worker",
        abstract: "A dialing worker that writes its pacing figures as JSON when it stops (for dialer-lab bench pacing).",
        discussion: """
            Reads the same settings as `dialer worker` (its environment variables); SIGTERM stops it.

            Example:
              DATABASE_URL=… TWILIO_ACCOUNT_SID=… TWILIO_AUTH_TOKEN=… TWILIO_BASE_URL=http://127.0.0.1:8123 \\
                DIALER_PUBLIC_URL=http://127.0.0.1:9 dialer-lab pacing-worker --stats-file /tmp/pacing.json
            """,
        shouldDisplay: false
    )

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var runner: RunnerOptions

    @Option(help: "Where the figures go, as JSON.")
    var statsFile: String

    func run() async throws {
        let logger = database.logger("dialer.pacing-worker")
        let configuration = try WorkerConfiguration.parse(ProcessInfo.processInfo.environment)
        let recorder = PacingRecorder()
        try await WorkerServices.run(
            configuration,
            url: try database.url(),
            runner: runner.configuration,
            migrate: false,
            observer: recorder,
            logger: logger
        )
        try recorder.write(to: statsFile)
    }
}
