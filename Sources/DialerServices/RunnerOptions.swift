import ArgumentParser
import Queue
import ServiceLifecycle
import Store
import Worker

/// The runner's knobs, shared by `dialer worker` and the lab's benchmarks.
public struct RunnerOptions: ParsableArguments, Sendable {
    @Option(
        help:
            "Jobs run at once by this process; a quarter of them is kept from any one job kind, so calls waiting for the rate never hold back Task syncs."
    )
    public var concurrency = 50

    @Option(help: "Jobs claimed in one statement, at most.")
    public var claimBatch = 100

    @Option(help: "Seconds a claimed job stays leased without a heartbeat.")
    public var lease = 60

    @Option(help: "Seconds running jobs may take to finish after SIGTERM before they are handed back.")
    public var shutdownDeadline = 30

    public init() {}

    public var configuration: JobRunnerConfiguration {
        var configuration = JobRunnerConfiguration()
        configuration.concurrency = concurrency
        configuration.claimBatch = claimBatch
        configuration.lease = .seconds(lease)
        configuration.heartbeatInterval = .milliseconds(lease * 250)
        configuration.shutdownDeadline = .seconds(shutdownDeadline)
        return configuration
    }
}

/// Checks (or applies) the schema, then runs the wrapped service: a worker never claims
/// against a schema it was not built for.
public struct SchemaCheckedService: Service {
    let database: Database
    let migrate: Bool
    let service: any Service
    /// Runs once the schema is known to be right, before the service.
    var prepare: @Sendable () async throws -> Void = {}

    public init(database: Database, migrate: Bool, service: any Service, prepare: @escaping @Sendable () async throws -> Void = {}) {
        self.database = database
        self.migrate = migrate
        self.service = service
        self.prepare = prepare
    }

    public func run() async throws {
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
