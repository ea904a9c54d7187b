import Foundation
import PostgresNIO
import Queue
import Store
import TestSupport
import Testing

/// Every enqueue goes through `dialer.enqueue_jobs`: from SQL and from Swift, one unique key
/// holds one open job, and the open states are the queue's own, written once.
@Suite struct QueueEntryPointTests {
    struct Ping: JobArgs {
        static let kind = "ping"
        static var options: JobOptions { JobOptions(priority: 3, maxAttempts: 4) }
        let target: String
        var uniqueKey: String? { "ping:\(target)" }
    }

    @Test func aKeyEnqueuedFromSQLThenFromSwiftIsOneOpenJob() async throws {
        try await TestDatabase.withFresh { db, _ in
            let fromSQL = try await db.scalar("SELECT dialer.enqueue_job('ping', '{\"target\": \"a\"}', 'ping:a')", as: Int64.self)
            let fromSwift = try await JobQueue(database: db).enqueue(Ping(target: "a"))
            #expect(fromSwift == EnqueuedJob(id: fromSQL, inserted: false))
            #expect(try await db.scalar("SELECT count(*)::int FROM dialer.jobs WHERE unique_key = 'ping:a'", as: Int.self) == 1)
        }
    }

    @Test func aKeyEnqueuedFromSwiftThenFromSQLIsOneOpenJob() async throws {
        try await TestDatabase.withFresh { db, _ in
            let fromSwift = try await JobQueue(database: db).enqueue(Ping(target: "b"))
            let fromSQL = try await db.scalar(
                "SELECT id FROM dialer.enqueue_jobs(ARRAY['ping', 'ping'], ARRAY['{}', '{}']::jsonb[], ARRAY['ping:b', 'ping:b'])",
                as: Int64.self
            )
            #expect(fromSwift.inserted && fromSQL == fromSwift.id)
            #expect(try await db.scalar("SELECT count(*)::int FROM dialer.jobs WHERE unique_key = 'ping:b'", as: Int.self) == 1)
        }
    }

    @Test func aTypedJobCarriesItsKindArgumentsKeyAndOptions() async throws {
        try await TestDatabase.withFresh { db, _ in
            let queue = JobQueue(database: db)
            try await queue.enqueue(Ping(target: "c"))
            let claimed = try await queue.claim(kinds: ["ping"], limit: 1, owner: "t", lease: .seconds(30))
            let job = try #require(claimed.first)
            #expect(job.uniqueKey == "ping:c" && job.priority == 3 && job.maxAttempts == 4 && job.groupID == nil)
            #expect(try job.args(as: Ping.self).target == "c")
        }
    }

    @Test func theOpenStatesAreOneList() async throws {
        try await TestDatabase.withFresh { db, _ in
            for state in JobState.allCases {
                let open = try await db.scalar("SELECT dialer.job_is_open(\(state.rawValue))", as: Bool.self)
                #expect(open == JobState.open.contains(state), "\(state)")
            }
        }
    }

    /// A typed handler is given its arguments decoded: the run signature shows them.
    @Test func aJobWorkerRunsWithItsArgumentsDecoded() async throws {
        struct PingWorker: JobWorker {
            typealias Args = Ping
            func run(_ args: Ping, job: Job) async throws -> JobOutcome {
                args.target == "d" ? .completed : .cancelled(reason: "wrong target \(args.target)")
            }
        }
        try await TestDatabase.withFresh { db, _ in
            let queue = JobQueue(database: db)
            let id = try await queue.enqueue(Ping(target: "d")).id
            #expect(PingWorker().kind == "ping")
            try await withRunners([runner(db, [PingWorker()])]) {
                for _ in 0..<100 {
                    if try await db.scalar("SELECT state FROM dialer.jobs WHERE id = \(id)", as: String.self) == "completed" { return }
                    try await Task.sleep(for: .milliseconds(50))
                }
            }
            #expect(try await db.scalar("SELECT state FROM dialer.jobs WHERE id = \(id)", as: String.self) == "completed")
        }
    }
}
