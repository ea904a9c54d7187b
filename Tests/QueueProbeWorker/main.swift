// A worker process for the tests to SIGKILL or SIGTERM mid-job.
//
// It runs `probe.slow` jobs: each records its start in probe_starts, then sleeps
// PROBE_SLEEP_MS (cancellable). Configured by DATABASE_URL, PROBE_LEASE_SECONDS,
// PROBE_SHUTDOWN_DEADLINE_MS and PROBE_CONCURRENCY. With PROBE_KIND=noop it runs
// `probe.noop` jobs instead, which do nothing: the memory test drains tens of thousands.
import Foundation
import Logging
import PostgresNIO
import Queue
import ServiceLifecycle
import Store
import Worker

let environment = ProcessInfo.processInfo.environment
func setting(_ name: String, _ fallback: Int) -> Int { environment[name].flatMap(Int.init) ?? fallback }

var logger = Logger(label: "probe")
logger.logLevel = .info
let url = try DatabaseURL.fromEnvironment()
let client = PostgresClient(configuration: try url.clientConfiguration(maxConnections: 6), backgroundLogger: logger)
let database = Database(client: client, logger: logger)

var configuration = JobRunnerConfiguration()
configuration.concurrency = setting("PROBE_CONCURRENCY", 10)
configuration.lease = .seconds(setting("PROBE_LEASE_SECONDS", 2))
configuration.heartbeatInterval = .milliseconds(setting("PROBE_LEASE_SECONDS", 2) * 250)
configuration.shutdownDeadline = .milliseconds(setting("PROBE_SHUTDOWN_DEADLINE_MS", 5000))
configuration.runsMaintenance = false
configuration.pollInterval = .milliseconds(100)
let sleepMilliseconds = setting("PROBE_SLEEP_MS", 60_000)
let owner = configuration.owner

let slow = ClosureJobHandler(kind: "probe.slow") { job in
    try await database.client.query(
        "INSERT INTO probe_starts (job_id, attempt, owner) VALUES (\(job.id), \(job.attempt), \(owner))",
        logger: logger
    )
    try await Task.sleep(for: .milliseconds(sleepMilliseconds))
    return .completed
}

let handler = environment["PROBE_KIND"] == "noop" ? ClosureJobHandler(kind: "probe.noop") { _ in .completed } : slow

print("probe owner \(owner)")
let runner = JobRunner(queue: JobQueue(database: database), handlers: [handler], configuration: configuration, logger: logger)
let group = ServiceGroup(
    configuration: .init(
        services: [.init(service: client), .init(service: runner, successTerminationBehavior: .gracefullyShutdownGroup)],
        gracefulShutdownSignals: [.sigterm],
        logger: logger
    )
)
try await group.run()
print("probe stopped")
