import Logging
import PostgresNIO
import Queue
import Salesforce
import ServiceLifecycle
import Store
import Twilio
import Worker

/// The composition root: what `dialer worker` runs, built from a ``WorkerConfiguration``.
/// `dialer worker`, the demo, the lab's pacing worker and the tests all build their handlers
/// here, so what is tested is what runs.
public enum WorkerServices {
    /// The job kinds a worker runs. A kind whose outside service is not configured is left to
    /// workers that have it, and said so; its jobs wait in the queue.
    public static func handlers(
        _ configuration: WorkerConfiguration,
        database: Database,
        observer: any DialingObserver = NoDialingObserver(),
        metrics: WorkerMetrics? = nil,
        logger: Logger
    ) -> [any JobHandler] {
        // Need nothing but the database (and the receivers): every worker completes finished
        // campaigns, sends events out, and purges and erases personal data.
        var handlers: [any JobHandler] = [
            CompleteCampaignsHandler(database: database, interval: configuration.campaignCheckInterval, logger: logger),
            PruneIdempotencyKeysHandler(database: database, logger: logger),
            PublishCallEndedHandler(database: database, streamWait: configuration.streamWait, logger: logger),
            DeliverWebhookHandler(database: database, logger: logger),
            PurgeConversationsHandler(database: database, logger: logger),
            ErasePhoneHandler(database: database, logger: logger),
            RetentionHandler(database: database, logger: logger),
        ]
        switch configuration.salesforce {
        case .configured(var settings):
            if let metrics { settings.client.onResponse = { metrics.response(service: "salesforce", status: $0, duration: $1) } }
            let salesforce = SalesforceClient(configuration: settings.client, logger: logger)
            let classifier = ContactClassifier(preferMobile: configuration.phoneField == .mobilePhone)
            handlers.append(
                ImportCampaignHandler(campaigns: CampaignStore(database: database), salesforce: salesforce, classifier: classifier, logger: logger)
            )
            handlers.append(FinalizeCallHandler(database: database, salesforce: salesforce, configuration: settings.finalize, logger: logger))
            handlers.append(RecordConversationHandler(database: database, salesforce: salesforce, logger: logger))
            // An API call's Contact, scheduled on the window clock PlaceCall judges it by.
            var ring = DialingConfiguration(publicURL: "", accountSID: "").ringAndSlotWait
            if case .configured(let twilio) = configuration.twilio { ring = twilio.dialing.ringAndSlotWait }
            handlers.append(
                PrepareCallHandler(
                    database: database,
                    salesforce: salesforce,
                    classifier: classifier,
                    now: configuration.windowClock.make(),
                    ring: ring,
                    logger: logger
                )
            )
        case .notConfigured(let reason):
            logger.warning(
                "not running \(ImportCampaignArgs.kind), \(PrepareCallArgs.kind), \(FinalizeCallArgs.kind) or \(RecordConversationArgs.kind) jobs: \(reason)"
            )
        }
        switch configuration.twilio {
        case .configured(var settings):
            if let metrics { settings.client.onResponse = { metrics.response(service: "twilio", status: $0, duration: $1) } }
            let client = TwilioClient(configuration: settings.client, logger: logger)
            handlers.append(
                PlaceCallHandler(
                    database: database,
                    twilio: client,
                    configuration: settings.dialing,
                    observer: metrics.map { DialingObservers([observer, $0]) } ?? observer,
                    now: configuration.windowClock.make(),
                    logger: logger
                )
            )
            let quiet = settings.reconcileQuietFor
            handlers.append(
                ReconcileCallsHandler(
                    database: database,
                    twilio: client,
                    quietFor: quiet ?? .seconds(300),
                    interval: min(quiet ?? .seconds(60), .seconds(60)),
                    logger: logger
                )
            )
        case .notConfigured(let reason):
            logger.warning("not running \(PlaceCallArgs.kind) jobs: \(reason)")
        }
        return handlers
    }

    /// The recurring jobs these handlers run, made once by whichever worker starts first:
    /// calls whose callbacks never came are asked about; finished campaigns are completed;
    /// conversations past their campaign's retention are purged.
    public static func scheduleRecurring(_ handlers: [any JobHandler], database: Database) async throws {
        if handlers.contains(where: { $0.kind == ReconcileCallsArgs.kind }) {
            try await ReconcileCallsHandler.schedule(JobQueue(database: database))
        }
        if handlers.contains(where: { $0.kind == CompleteCampaignsArgs.kind }) {
            try await CompleteCampaignsHandler.schedule(JobQueue(database: database))
        }
        if handlers.contains(where: { $0.kind == PruneIdempotencyKeysArgs.kind }) {
            try await PruneIdempotencyKeysHandler.schedule(JobQueue(database: database))
        }
        if handlers.contains(where: { $0.kind == ApplyRetentionArgs.kind }) {
            try await RetentionHandler.schedule(JobQueue(database: database))
        }
    }

    /// A whole worker process: the pool, the schema check, the runner, and (given an address)
    /// its `GET /metrics`, until SIGTERM or SIGINT has drained it.
    public static func run(
        _ configuration: WorkerConfiguration,
        url: DatabaseURL,
        listenURL: DatabaseURL? = nil,
        runner: JobRunnerConfiguration,
        migrate: Bool,
        observer: any DialingObserver = NoDialingObserver(),
        metricsAddress: (host: String, port: Int)? = nil,
        logger: Logger
    ) async throws {
        let client = PostgresClient(configuration: try url.clientConfiguration(maxConnections: 10), backgroundLogger: logger)
        let listener = try listenURL.map { try Database.listenerClient($0, logger: logger) }
        let db = Database(client: client, listener: listener, logger: logger)
        let metrics = metricsAddress.map { _ in WorkerMetrics(database: db) }
        let handlers = handlers(configuration, database: db, observer: observer, metrics: metrics, logger: logger)
        var runner = runner
        runner.observer = metrics
        let job = JobRunner(queue: JobQueue(database: db), handlers: handlers, configuration: runner, logger: logger)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        // First, so it stops last: the spans of the jobs the drain finished are exported.
        if let traces = try TraceExport.start(serviceName: "dialer-worker", logger: logger) { services.append(.init(service: traces)) }
        services.append(.init(service: client))
        if let listener { services.append(.init(service: listener)) }
        if let watchdog = try DatabasePoolWatchdog.fromEnvironment(database: db, url: url, logger: logger) {
            services.append(.init(service: watchdog, failureTerminationBehavior: .gracefullyShutdownGroup))
        }
        services += [
            .init(
                service: SchemaCheckedService(database: db, migrate: migrate, service: job) {
                    try await scheduleRecurring(handlers, database: db)
                },
                successTerminationBehavior: .gracefullyShutdownGroup
            )
        ]
        if let metrics, let address = metricsAddress {
            // Several workers on one host share the default port: the second one runs on
            // without its /metrics, and says so.
            services.append(
                .init(
                    service: WorkerMetricsServer(metrics: metrics, host: address.host, port: address.port, logger: logger),
                    successTerminationBehavior: .ignore,
                    failureTerminationBehavior: .ignore
                )
            )
        }
        let group = ServiceGroup(
            configuration: .init(
                services: services,
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await DatabasePoolStopped.exitingWithItsCode { try await group.run() }
    }
}
