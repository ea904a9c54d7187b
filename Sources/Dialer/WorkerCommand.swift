import ArgumentParser
import DialerServices
import Foundation

/// `dialer worker`: runs jobs until SIGTERM or SIGINT.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run queued jobs; run as many workers on as many hosts as you like.",
        discussion: """
            Workers share nothing but Postgres: they claim jobs with FOR UPDATE SKIP LOCKED, keep \
            them leased with heartbeats, and take back the jobs of workers that died. SIGTERM or \
            SIGINT stops claiming, lets running jobs finish for --shutdown-deadline seconds, and \
            hands the rest back to the queue.

            A worker runs the job kinds whose services are configured: campaign imports and \
            Task writes (one Salesforce Task per ended call) with Salesforce settings, calls with \
            Twilio settings and --public-url. All workers share \
            the account's --calls-per-second through Postgres. GET /metrics on \
            --metrics-host:--metrics-port (127.0.0.1:9465 by default; 0 turns it off) serves \
            the worker's metrics for Prometheus (docs/MONITORING.md).

            Example:
              DATABASE_URL=postgres://dialer@db/dialer TWILIO_ACCOUNT_SID=AC… TWILIO_AUTH_TOKEN=… \
                dialer worker --concurrency 50 --public-url https://dialer.example.com --calls-per-second 5
            """
    )

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var runner: RunnerOptions
    @OptionGroup var salesforce: SalesforceOptions
    @OptionGroup var dialing: DialingOptions
    @OptionGroup var finalize: FinalizeOptions

    @Option(help: "Which Salesforce field a contact's number comes from first: MobilePhone or Phone ($DIALER_PHONE_FIELD).")
    var phoneField: String?

    @Flag(help: "Apply pending migrations at start instead of refusing to run.")
    var migrate = false

    @Option(help: "The port of GET /metrics, for Prometheus; 0: none.")
    var metricsPort = 9465

    @Option(help: "The address /metrics listens on: keep it internal.")
    var metricsHost = "127.0.0.1"

    func run() async throws {
        let logger = database.logger("dialer.worker")
        var environment = finalize.environment(dialing.environment(salesforce.environment(ProcessInfo.processInfo.environment)))
        if let phoneField { environment["DIALER_PHONE_FIELD"] = phoneField }
        let configuration = try WorkerConfiguration.parse(environment)
        try await WorkerServices.run(
            configuration,
            url: try database.url(),
            listenURL: try database.listenURL(),
            runner: runner.configuration,
            migrate: migrate,
            metricsAddress: metricsPort > 0 ? (metricsHost, metricsPort) : nil,
            logger: logger
        )
    }
}
