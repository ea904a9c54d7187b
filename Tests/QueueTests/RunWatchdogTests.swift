import Backoff
import Foundation
import Queue
import Store
import Synchronization
import TestSupport
import Testing

/// The runner gives up on runs that are stuck, whose lease was taken back, or whose lease it
/// cannot extend: each is cancelled, its slot freed, and nothing it does later counts.
@Suite struct RunWatchdogTests {
    @Test func aRunPastItsTimeoutFailsAndIsRetriedWhileTheStuckHandlerIsLeftBehind() async throws {
        try await TestDatabase.withFresh { db, _ in
            let id = try await JobQueue(database: db).enqueue(NewJob(kind: "stuck")).id
            let stuck = StuckWait()
            let handler = ClosureJobHandler(kind: "stuck", backoff: RetryBackoff(base: 0.2, jitter: 0), timeout: .seconds(1)) { job in
                if job.attempt == 1 { await stuck.wait() }
                return .completed
            }
            let clock = ContinuousClock.now
            try await withRunners([runner(db, [handler])]) {
                let done = try await eventually(timeout: .seconds(15)) {
                    try await db.scalar("SELECT state FROM dialer.jobs WHERE id = \(id)", as: String.self) == "completed"
                }
                #expect(done)
            }
            // The runner stopped without waiting for the handler it gave up on.
            #expect(ContinuousClock.now - clock < .seconds(10))
            let error = try await db.scalar(
                "SELECT errors->0->>'kind' || ': ' || (errors->0->>'message') FROM dialer.jobs WHERE id = \(id)",
                as: String.self
            )
            // The watchdog looks once a tick (up to 1 s), and a loaded machine runs it late: the
            // run is given up on at or after its timeout, never before, and well before the wait.
            let ran = error.firstMatch(of: /^JobTimeout: ran (\d+) s, past its kind's timeout of 1 s$/).flatMap { Int($0.1) }
            #expect(ran.map { (1..<10).contains($0) } == true, "\(error)")
            stuck.release()
        }
    }

    @Test func aRunWhoseLeaseWasTakenBackIsCancelledAndWritesNothing() async throws {
        try await TestDatabase.withFresh { db, _ in
            let id = try await JobQueue(database: db).enqueue(NewJob(kind: "long")).id
            let cancelled = Atomic<Bool>(false)
            let handler = ClosureJobHandler(kind: "long") { _ in
                do { try await Task.sleep(for: .seconds(60)) } catch { cancelled.store(true, ordering: .relaxed) }
                return .completed
            }
            var configuration = testConfiguration()
            configuration.heartbeatInterval = .milliseconds(300)
            try await withRunners([runner(db, [handler], configuration)]) {
                #expect(try await eventually { try await db.scalar("SELECT state FROM dialer.jobs WHERE id = \(id)", as: String.self) == "running" })
                // Another worker's claim after a rescue: the attempt moves on.
                try await db.client.query("UPDATE dialer.jobs SET attempt = attempt + 1, lease_owner = 'other' WHERE id = \(id)")
                #expect(await eventually(timeout: .seconds(5)) { cancelled.load(ordering: .relaxed) })
            }
            let row = try await db.client.query("SELECT state, attempt, lease_owner FROM dialer.jobs WHERE id = \(id)")
                .decode((String, Int, String?).self).reduce(nil as (String, Int, String?)?) { $1 }
            #expect(row?.0 == "running" && row?.1 == 2 && row?.2 == "other", "\(String(describing: row))")
        }
    }

    /// Postgres out of reach (here: the job's row locked, so heartbeats wait): before the lease
    /// ends and the rescuer of another worker may take the job, the run is given up on.
    @Test func aRunWhoseLeaseCannotBeExtendedIsGivenUpOnBeforeTheLeaseEnds() async throws {
        try await TestDatabase.withFresh { db, _ in
            let id = try await JobQueue(database: db).enqueue(NewJob(kind: "long")).id
            let cancelledAt = Mutex<ContinuousClock.Instant?>(nil)
            let handler = ClosureJobHandler(kind: "long") { _ in
                do { try await Task.sleep(for: .seconds(60)) } catch { cancelledAt.withLock { $0 = .now } }
                return .completed
            }
            var configuration = testConfiguration()
            configuration.lease = .seconds(4)
            configuration.heartbeatInterval = .seconds(1)
            configuration.runsMaintenance = false
            try await withRunners([runner(db, [handler], configuration)]) {
                #expect(try await eventually { try await db.scalar("SELECT state FROM dialer.jobs WHERE id = \(id)", as: String.self) == "running" })
                try await db.client.withTransaction(logger: TestDatabase.testLogger) { connection in
                    let leaseEnds = try await connection.query(
                        "SELECT lease_expires_at FROM dialer.jobs WHERE id = \(id) FOR UPDATE",
                        logger: TestDatabase.testLogger
                    )
                    .decode(Date.self).reduce(Date.distantPast) { max($0, $1) }
                    #expect(await eventually(timeout: .seconds(8)) { cancelledAt.withLock { $0 != nil } })
                    #expect(Date() < leaseEnds, "given up on only after the lease ended (\(leaseEnds))")
                }
            }
        }
    }
}
