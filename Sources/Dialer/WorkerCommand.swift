import Foundation
import Backoff
import ArgumentParser
import Logging
import ServiceLifecycle
import Queue
import Store
import Worker

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
            the account's --calls-per-second through Postgres.

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

    func run() async throws {
        let logger = database.logger("dialer.worker")
        let url = try database.url()
        let configuration = runner.configuration
        let client = PostgresClient(configuration: try url.clientConfiguration(maxConnections: 10), backgroundLogger: logger)
        let db = Database(client: client, logger: logger)
        var environment = finalize.environment(dialing.environment(salesforce.environment(ProcessInfo.processInfo.environment)))
        if let phoneField { environment["DIALER_PHONE_FIELD"] = phoneField }
        let statsFile = environment["DIALER_PACING_STATS"]
        let recorder = PacingRecorder()
        let handlers = try WorkerHandlers.production(
            database: db, environment: environment, observer: statsFile == nil ? NoDialingObserver() : recorder, logger: logger
        )
        let job = JobRunner(queue: JobQueue(database: db), handlers: handlers, configuration: configuration, logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: client),
                    .init(
                        service: SchemaCheckedService(database: db, migrate: migrate, service: job) {
                            // Calls whose callbacks never came are asked about by one job, made
                            // by whichever dialing worker starts first.
                            if handlers.contains(where: { $0.kind == CallStore.reconcileKind }) {
                                try await ReconcileCallsHandler.schedule(JobQueue(database: db))
                            }
                            if handlers.contains(where: { $0.kind == CampaignStore.completeKind }) {
                                try await CompleteCampaignsHandler.schedule(JobQueue(database: db))
                            }
                        },
                        successTerminationBehavior: .gracefullyShutdownGroup
                    ),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()
        if let statsFile { try recorder.write(to: statsFile) }
    }
}

/// The runner's knobs, shared by `dialer worker` and the benchmark.
struct RunnerOptions: ParsableArguments {
    @Option(help: "Jobs run at once by this process; a quarter of them is kept from any one job kind, so calls waiting for the rate never hold back Task syncs.")
    var concurrency = 50

    @Option(help: "Jobs claimed in one statement, at most.")
    var claimBatch = 100

    @Option(help: "Seconds a claimed job stays leased without a heartbeat.")
    var lease = 60

    @Option(help: "Seconds running jobs may take to finish after SIGTERM before they are handed back.")
    var shutdownDeadline = 30

    var configuration: JobRunnerConfiguration {
        var configuration = JobRunnerConfiguration()
        configuration.concurrency = concurrency
        configuration.claimBatch = claimBatch
        configuration.lease = .seconds(lease)
        configuration.heartbeatInterval = .seconds(max(1, lease / 4))
        configuration.shutdownDeadline = .seconds(shutdownDeadline)
        return configuration
    }
}

/// Checks (or applies) the schema, then runs the wrapped service: a worker never claims
/// against a schema it was not built for.
struct SchemaCheckedService: Service {
    let database: Database
    let migrate: Bool
    let service: any Service
    /// Runs once the schema is known to be right, before the service.
    var prepare: @Sendable () async throws -> Void = {}

    init(database: Database, migrate: Bool, service: any Service, prepare: @escaping @Sendable () async throws -> Void = {}) {
        self.database = database
        self.migrate = migrate
        self.service = service
        self.prepare = prepare
    }

    func run() async throws {
        let migrator = Migrator(database: database)
        if migrate {
            try await migrator.migrate()
        } else {
            try await migrator.requireUpToDate()
        }
        try await prepare()
        try await service.run()
    }
}

import PostgresNIO
