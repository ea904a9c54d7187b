import Backoff
import DialerServices
import Foundation
import Logging
import PostgresNIO
import Queue
import ServiceLifecycle
import Store
import Synchronization
import Worker

/// The queue benchmark behind `dialer-lab bench queue`.
struct QueueBenchmark: Sendable {
    struct Settings: Sendable {
        var jobs: Int
        var workers: Int
        var batch: Int
        var processes: Int
        var concurrency: Int
        var enqueueBatch: Int
        var latencySamples: Int
    }

    static let drainKind = "bench.noop"
    static let latencyKind = "bench.latency"

    let url: DatabaseURL
    let settings: Settings
    let logger: Logger

    var runnerConfiguration: JobRunnerConfiguration {
        var configuration = JobRunnerConfiguration()
        configuration.concurrency = settings.concurrency
        configuration.claimBatch = settings.batch
        configuration.runsMaintenance = false
        configuration.pollInterval = .milliseconds(200)
        return configuration
    }

    var poolSize: Int { settings.workers * 4 + 4 }

    func run(progress: @escaping @Sendable (String) -> Void) async throws -> QueueBenchmarkReport {
        try await Database.run(url: url, maxConnections: poolSize, logger: logger) { db in
            try await Migrator(database: db).migrate()
            var report = QueueBenchmarkReport(settings: settings, postgres: try await Self.postgresSettings(db))
            try await clean(db)

            progress("enqueueing \(settings.jobs) jobs, \(settings.enqueueBatch) a statement")
            let queue = JobQueue(database: db)
            let enqueueStart = ContinuousClock.now
            var enqueued = 0
            while enqueued < settings.jobs {
                let count = min(settings.enqueueBatch, settings.jobs - enqueued)
                try await queue.enqueue([NewJob](repeating: NewJob(kind: Self.drainKind), count: count))
                enqueued += count
            }
            report.enqueueSeconds = (ContinuousClock.now - enqueueStart).seconds

            progress("draining with \(settings.processes) process(es) x \(settings.workers) runner(s), batch \(settings.batch)")
            let drainStart = ContinuousClock.now
            if settings.processes <= 1 {
                try await drainInProcess(queue)
            } else {
                try await drainWithChildren(db)
            }
            report.drainWallSeconds = (ContinuousClock.now - drainStart).seconds
            report.drainDatabaseSeconds = try await Self.drainSpan(db)

            if settings.latencySamples > 0 {
                progress("measuring idle pick-up latency over \(settings.latencySamples) jobs")
                report.latency = try await measureLatency(queue)
            }
            try await clean(db)
            return report
        }
    }

    func clean(_ db: Database) async throws {
        try await db.client.query("DELETE FROM dialer.jobs WHERE kind LIKE 'bench.%'", logger: logger)
        try await db.client.query("VACUUM ANALYZE dialer.jobs", logger: logger)
    }

    func drainInProcess(_ queue: JobQueue) async throws {
        let done = Atomic<Int>(0)
        let total = settings.jobs
        let runners = Mutex<[JobRunner]>([])
        let handler = ClosureJobHandler(kind: Self.drainKind) { _ in
            if done.add(1, ordering: .relaxed).newValue == total {
                for runner in runners.withLock({ $0 }) { runner.stop() }
            }
            return .completed
        }
        let created = (0..<settings.workers).map { _ in
            JobRunner(queue: queue, handlers: [handler], configuration: runnerConfiguration, logger: logger)
        }
        runners.withLock { $0 = created }
        await withTaskGroup(of: Void.self) { group in
            for runner in created { group.addTask { await runner.runUntilStopped() } }
        }
    }

    func drainWithChildren(_ db: Database) async throws {
        let executable = DialerBinary.lab
        var children: [Process] = []
        for _ in 0..<settings.processes {
            let child = Process()
            child.executableURL = executable
            child.arguments = [
                "bench", "queue", "--drain-child", "--database-url", url.connectionString,
                "--workers", "\(settings.workers)", "--batch", "\(settings.batch)", "--concurrency", "\(settings.concurrency)",
            ]
            try child.run()
            children.append(child)
        }
        defer { for child in children where child.isRunning { child.terminate() } }
        while try await Self.openJobs(db) > 0 {
            try await Task.sleep(for: .milliseconds(100))
        }
        for child in children {
            child.terminate()
            child.waitUntilExit()
        }
    }

    /// A child of a multi-process drain: runs runners until SIGTERM.
    func runDrainChild() async throws {
        let client = PostgresClient(configuration: try url.clientConfiguration(maxConnections: poolSize), backgroundLogger: logger)
        let queue = JobQueue(database: Database(client: client, logger: logger))
        let handler = ClosureJobHandler(kind: Self.drainKind) { _ in .completed }
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: client)]
        for _ in 0..<settings.workers {
            let runner = JobRunner(queue: queue, handlers: [handler], configuration: runnerConfiguration, logger: logger)
            services.append(.init(service: runner, successTerminationBehavior: .gracefullyShutdownGroup))
        }
        try await ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm], logger: logger)).run()
    }

    /// Enqueues one job at a time into idle runners; returns pick-up times in milliseconds.
    func measureLatency(_ queue: JobQueue) async throws -> QueueBenchmarkReport.Latency {
        let started = Mutex<[Int64: ContinuousClock.Instant]>([:])
        let signal = AsyncStream<Void>.makeStream()
        let handler = ClosureJobHandler(kind: Self.latencyKind) { job in
            started.withLock { $0[job.id] = .now }
            signal.continuation.yield()
            return .completed
        }
        let runners = (0..<settings.workers).map { _ in
            JobRunner(queue: queue, handlers: [handler], configuration: runnerConfiguration, logger: logger)
        }
        var pickup: [Double] = []
        var endToEnd: [Double] = []
        try await withThrowingTaskGroup(of: Void.self) { group in
            for runner in runners { group.addTask { await runner.runUntilStopped() } }
            defer { for runner in runners { runner.stop() } }
            try await Task.sleep(for: .milliseconds(500))  // every runner LISTENing and idle
            var iterator = signal.stream.makeAsyncIterator()
            for _ in 0..<settings.latencySamples {
                let before = ContinuousClock.now
                let id = try await queue.enqueue(NewJob(kind: Self.latencyKind)).id
                let committed = ContinuousClock.now
                var start: ContinuousClock.Instant?
                while start == nil {
                    _ = await iterator.next()
                    start = started.withLock { $0[id] }
                }
                pickup.append(Double((start! - committed).seconds * 1000))
                endToEnd.append(Double((start! - before).seconds * 1000))
                try await Task.sleep(for: .milliseconds(Int.random(in: 5...15)))
            }
        }
        return .init(pickupMs: pickup, endToEndMs: endToEnd)
    }

    static func openJobs(_ db: Database) async throws -> Int {
        let rows = try await db.client.query(
            "SELECT count(*)::int FROM dialer.jobs WHERE kind = \(drainKind) AND dialer.job_is_open(state)",
            logger: db.logger
        )
        return try await rows.decode(Int.self).reduce(0) { $1 }
    }

    static func drainSpan(_ db: Database) async throws -> Double {
        let rows = try await db.client.query(
            "SELECT extract(epoch FROM max(finalized_at) - min(attempted_at))::float8 FROM dialer.jobs WHERE kind = \(drainKind)",
            logger: db.logger
        )
        return try await rows.decode(Double?.self).reduce(0) { $1 ?? 0 }
    }

    static func postgresSettings(_ db: Database) async throws -> [(String, String)] {
        let names = ["server_version", "fsync", "synchronous_commit", "wal_sync_method", "shared_buffers", "max_connections"]
        var settings: [(String, String)] = []
        for name in names {
            let rows = try await db.client.query("SELECT current_setting(\(name))", logger: db.logger)
            settings.append((name, try await rows.decode(String.self).reduce("") { $1 }))
        }
        return settings
    }
}
