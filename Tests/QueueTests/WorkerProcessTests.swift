import Foundation
import PostgresNIO
import Queue
import Store
import Synchronization
import TestSupport
import Testing

/// Worker processes that die or are told to stop, run as real child processes.
@Suite struct WorkerProcessTests {
    static func prepare(_ db: Database, jobs: Int) async throws -> [Int64] {
        try await db.execute("CREATE TABLE probe_starts (job_id bigint, attempt int, owner text, at timestamptz DEFAULT now())")
        return try await JobQueue(database: db).enqueue([NewJob](repeating: NewJob(kind: "probe.slow"), count: jobs)).map(\.id)
    }

    static func probe(_ url: DatabaseURL, _ settings: [String: String]) -> ChildProcess {
        ChildProcess(Products.path("QueueProbeWorker"), environment: settings.merging(["DATABASE_URL": url.connectionString]) { a, _ in a })
    }

    static func starts(_ db: Database) async throws -> Int {
        try await db.scalar("SELECT count(*)::int FROM probe_starts", as: Int.self)
    }

    /// A worker's memory is what it runs now, not what it has run: draining another 15,000
    /// jobs leaves its resident memory where the first 15,000 left it. (The runner's task
    /// group once kept every finished job, 3–4 KB each: 50 MB here.)
    @Test(.runsAlone("load: a worker process draining 30,000 jobs as fast as it can"))
    func aBusyWorkerDoesNotGrowWithTheJobsItHasRun() async throws {
        try await TestDatabase.withFresh { db, url in
            try await db.execute("CREATE TABLE probe_starts (job_id bigint, attempt int, owner text, at timestamptz DEFAULT now())")
            let child = Self.probe(url, ["PROBE_KIND": "noop", "PROBE_CONCURRENCY": "50"])
            try child.start()
            defer { child.signal(SIGKILL) }
            func drain(_ total: Int) async throws -> Int {
                try await JobQueue(database: db).enqueue([NewJob](repeating: NewJob(kind: "probe.noop"), count: 15_000))
                let done = try await eventually(timeout: .seconds(120), every: .milliseconds(200)) {
                    try await db.scalar("SELECT count(*)::int FROM dialer.jobs WHERE state = 'completed'", as: Int.self) == total
                }
                #expect(done, "\(child.text)")
                return try #require(child.residentBytes) / 1_048_576
            }
            let afterFirst = try await drain(15_000)
            let afterSecond = try await drain(30_000)
            #expect(afterSecond - afterFirst < 25, "resident memory \(afterFirst) MB, then \(afterSecond) MB")
        }
    }

    @Test func aKilledWorkersJobsAreRescuedAfterTheLeaseAndCompletedByAnother() async throws {
        try await TestDatabase.withFresh { db, url in
            let ids = try await Self.prepare(db, jobs: 5)
            let child = Self.probe(url, ["PROBE_LEASE_SECONDS": "2", "PROBE_SLEEP_MS": "60000"])
            try child.start()
            #expect(try await eventually(timeout: .seconds(20)) { try await Self.starts(db) == 5 }, "\(child.text)")
            let owner = try await db.scalar("SELECT DISTINCT owner FROM probe_starts", as: String.self)

            child.signal(SIGKILL)
            #expect(await child.wait(timeout: .seconds(10)) != nil)
            #expect(
                try await db.scalar("SELECT count(*)::int FROM dialer.jobs WHERE state = 'running' AND lease_owner = \(owner)", as: Int.self) == 5
            )

            let runs = Mutex<[Int64]>([])
            let survivor = runner(
                db,
                [
                    ClosureJobHandler(kind: "probe.slow") { job in
                        runs.withLock { $0.append(job.id) }
                        return .completed
                    }
                ]
            )
            try await withRunners([survivor]) {
                let done = try await eventually(timeout: .seconds(15)) {
                    try await db.scalar("SELECT count(*)::int FROM dialer.jobs WHERE state = 'completed'", as: Int.self) == 5
                }
                #expect(done)
            }
            #expect(runs.withLock { $0.sorted() } == ids)
            let rescues = try await db.scalar(
                "SELECT count(*)::int FROM dialer.jobs WHERE attempt = 2 AND errors->0->>'kind' = 'rescued' AND errors->0->>'owner' = \(owner)",
                as: Int.self
            )
            #expect(rescues == 5)
        }
    }

    @Test func sigtermLetsRunningJobsFinishWithinTheDeadline() async throws {
        try await TestDatabase.withFresh { db, url in
            _ = try await Self.prepare(db, jobs: 3)
            let child = Self.probe(url, ["PROBE_SLEEP_MS": "800", "PROBE_SHUTDOWN_DEADLINE_MS": "10000"])
            try child.start()
            #expect(try await eventually(timeout: .seconds(20)) { try await Self.starts(db) == 3 }, "\(child.text)")
            child.signal(SIGTERM)
            #expect(await child.wait(timeout: .seconds(15)) == 0, "\(child.text)")
            #expect(try await db.scalar("SELECT count(*)::int FROM dialer.jobs WHERE state = 'completed' AND attempt = 1", as: Int.self) == 3)
            #expect(try await db.scalar("SELECT count(*)::int FROM dialer.jobs WHERE state = 'running'", as: Int.self) == 0)
        }
    }

    @Test func sigtermHandsBackJobsThatOutliveTheDeadline() async throws {
        try await TestDatabase.withFresh { db, url in
            _ = try await Self.prepare(db, jobs: 3)
            let child = Self.probe(url, ["PROBE_SLEEP_MS": "60000", "PROBE_SHUTDOWN_DEADLINE_MS": "300"])
            try child.start()
            #expect(try await eventually(timeout: .seconds(20)) { try await Self.starts(db) == 3 }, "\(child.text)")
            child.signal(SIGTERM)
            #expect(await child.wait(timeout: .seconds(10)) == 0, "\(child.text)")
            #expect(try await db.scalar("SELECT count(*)::int FROM dialer.jobs WHERE state = 'running'", as: Int.self) == 0)
            #expect(
                try await db.scalar(
                    "SELECT count(*)::int FROM dialer.jobs WHERE state = 'available' AND errors->-1->>'kind' = 'released' AND max_attempts = 26",
                    as: Int.self
                ) == 3
            )
        }
    }
}
