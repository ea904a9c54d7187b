import Backoff
import Foundation
import PostgresNIO
import Queue
import Store
import Synchronization
import TestSupport
import Testing

@Suite struct JobRunnerTests {
    @Test func fourRunnersDrainTenThousandJobsEachExactlyOnce() async throws {
        try await TestDatabase.withFresh(maxConnections: 24) { db, _ in
            let queue = JobQueue(database: db)
            for _ in 0..<10 {
                try await queue.enqueue([NewJob](repeating: NewJob(kind: "noop"), count: 1000))
            }
            let runs = Mutex<[Int64: Int]>([:])
            let handler = ClosureJobHandler(kind: "noop") { job in
                runs.withLock { $0[job.id, default: 0] += 1 }
                return .completed
            }
            let runners = (0..<4).map { _ in runner(db, [handler], testConfiguration(concurrency: 50, batch: 50)) }
            try await withRunners(runners) {
                #expect(await eventually(timeout: .seconds(120)) { runs.withLock { $0.count } == 10_000 })
                let written = try await eventually(timeout: .seconds(10)) {
                    try await db.scalar("SELECT count(*)::int FROM dialer.jobs WHERE state = 'completed'", as: Int.self) == 10_000
                }
                #expect(written)
            }
            #expect(runs.withLock { $0.values.allSatisfy { $0 == 1 } })
            #expect(try await db.scalar("SELECT count(*)::int FROM dialer.jobs WHERE state <> 'completed' OR attempt <> 1", as: Int.self) == 0)
        }
    }

    struct FlakyError: Error, CustomStringConvertible {
        var description: String { "Twilio answered 503" }
    }

    @Test func aFailedAttemptIsRecordedAndRetriedAfterItsBackoff() async throws {
        try await TestDatabase.withFresh { db, _ in
            let id = try await JobQueue(database: db).enqueue(NewJob(kind: "flaky")).id
            let handler = ClosureJobHandler(kind: "flaky", backoff: RetryBackoff(base: 0.2, jitter: 0)) { job in
                if job.attempt == 1 { throw FlakyError() }
                return .completed
            }
            try await withRunners([runner(db, [handler])]) {
                let done = try await eventually {
                    try await db.scalar("SELECT state FROM dialer.jobs WHERE id = \(id)", as: String.self) == "completed"
                }
                #expect(done)
            }
            let error = try await db.client.query(
                "SELECT errors->0->>'kind', errors->0->>'message', (errors->0->>'attempt')::int, errors->0->>'at' IS NOT NULL, attempt FROM dialer.jobs WHERE id = \(id)"
            ).decode((String, String, Int, Bool, Int).self).reduce(nil as (String, String, Int, Bool, Int)?) { $1 }!
            #expect(error.0.hasSuffix("FlakyError"))
            #expect(error.1 == "Twilio answered 503")
            #expect(error.2 == 1 && error.3)
            #expect(error.4 == 2)
        }
    }

    /// A place_call snoozes for rate slots many times; its first error must wait the backoff's
    /// first step, not the step of its tenth attempt (0.5 s × 2⁹ here, over four minutes).
    @Test func snoozesDoNotLengthenTheBackoffOfTheFirstFailure() async throws {
        try await TestDatabase.withFresh { db, _ in
            let id = try await JobQueue(database: db).enqueue(NewJob(kind: "paced")).id
            let handler = ClosureJobHandler(kind: "paced", backoff: RetryBackoff(base: 0.5, factor: 2, cap: 3600, jitter: 0)) { job in
                if job.attempt <= 9 { return .snoozed(.zero) }
                if job.attempt == 10 { throw FlakyError() }
                return .completed
            }
            try await withRunners([runner(db, [handler])]) {
                let done = try await eventually(timeout: .seconds(20)) {
                    try await db.scalar("SELECT state FROM dialer.jobs WHERE id = \(id)", as: String.self) == "completed"
                }
                #expect(done)
            }
            let waited = try await db.scalar(
                "SELECT extract(epoch FROM attempted_at - (errors->0->>'at')::timestamptz)::float8 FROM dialer.jobs WHERE id = \(id)",
                as: Double.self
            )
            #expect(waited >= 0.45 && waited < 5, "retried \(waited) s after its one failure")
        }
    }

    @Test func permanentErrorsDiscardAndOutcomesSnoozeOrCancel() async throws {
        try await TestDatabase.withFresh { db, _ in
            let queue = JobQueue(database: db)
            let doomed = try await queue.enqueue(NewJob(kind: "doomed")).id
            let later = try await queue.enqueue(NewJob(kind: "later", maxAttempts: 3)).id
            let dropped = try await queue.enqueue(NewJob(kind: "dropped")).id
            let handlers: [any JobHandler] = [
                ClosureJobHandler(kind: "doomed") { _ in throw PermanentFailure("21211: invalid To number") },
                ClosureJobHandler(kind: "later") { _ in .snoozed(.seconds(3600)) },
                ClosureJobHandler(kind: "dropped") { _ in .cancelled(reason: "campaign cancelled") },
            ]
            try await withRunners([runner(db, handlers)]) {
                let done = try await eventually {
                    try await db.scalar("SELECT count(*)::int FROM dialer.jobs WHERE state = 'running' OR attempt = 0", as: Int.self) == 0
                }
                #expect(done)
            }
            #expect(
                try await db.scalar("SELECT state || ':' || (errors->0->>'message') FROM dialer.jobs WHERE id = \(doomed)", as: String.self)
                    == "discarded:21211: invalid To number"
            )
            #expect(
                try await db.scalar(
                    "SELECT state || ':' || max_attempts || ':' || (run_at > now() + interval '59 minutes') FROM dialer.jobs WHERE id = \(later)",
                    as: String.self
                )
                    == "available:4:true"
            )
            #expect(try await db.scalar("SELECT state FROM dialer.jobs WHERE id = \(dropped)", as: String.self) == "cancelled")
        }
    }

    /// Long jobs of one kind (calls waiting for their rate slot) must not take every slot:
    /// short jobs of another kind (finalizes) run while they wait.
    @Test func noKindTakesTheSlotsReservedForTheOthers() async throws {
        try await TestDatabase.withFresh { db, _ in
            let queue = JobQueue(database: db)
            try await queue.enqueue([NewJob](repeating: NewJob(kind: "call"), count: 40))
            let released = Mutex(false)
            let calls = Mutex(0)
            let mostCalls = Mutex(0)
            let finalized = Mutex(0)
            let call = ClosureJobHandler(kind: "call") { _ in
                let now = calls.withLock {
                    $0 += 1
                    return $0
                }
                mostCalls.withLock { $0 = max($0, now) }
                while !released.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(20)) }
                calls.withLock { $0 -= 1 }
                return .completed
            }
            let finalize = ClosureJobHandler(kind: "finalize") { _ in
                finalized.withLock { $0 += 1 }
                return .completed
            }
            try await withRunners([runner(db, [call, finalize], testConfiguration(concurrency: 8, batch: 20))]) {
                #expect(await eventually { calls.withLock { $0 } == 6 }, "8 slots less the reserve of 2")
                try await queue.enqueue([NewJob](repeating: NewJob(kind: "finalize"), count: 30))
                #expect(await eventually { finalized.withLock { $0 } == 30 }, "finalized while every call still waits")
                #expect(calls.withLock { $0 } == 6)
                released.withLock { $0 = true }
                let drained = try await eventually(timeout: .seconds(20)) {
                    try await db.scalar("SELECT count(*)::int FROM dialer.jobs WHERE state = 'completed'", as: Int.self) == 70
                }
                #expect(drained)
            }
            #expect(mostCalls.withLock { $0 } == 6)
        }
    }

    @Test func anIdleRunnerWakesOnNotifyNotOnItsPoll() async throws {
        try await TestDatabase.withFresh { db, _ in
            let started = Mutex<ContinuousClock.Instant?>(nil)
            let handler = ClosureJobHandler(kind: "wake") { _ in
                started.withLock { $0 = .now }
                return .completed
            }
            var configuration = testConfiguration()
            configuration.pollInterval = .seconds(60)
            try await withRunners([runner(db, [handler], configuration)]) {
                try await Task.sleep(for: .milliseconds(500))  // idle and LISTENing
                let enqueued = ContinuousClock.now
                try await JobQueue(database: db).enqueue(NewJob(kind: "wake"))
                #expect(await eventually(timeout: .seconds(20)) { started.withLock { $0 != nil } })
                // The poll is 60 s away; under the shared pass's load the LISTEN itself may take
                // a second or two to be up (a CI rehearsal saw 2.2 s), and its first look finds
                // the job. Anything well under the poll is NOTIFY's doing.
                let latency = started.withLock { $0! } - enqueued
                #expect(latency < .seconds(10), "picked up after \(latency), so by poll, not by NOTIFY")
            }
        }
    }

    @Test func stopReleasesJobsStillRunningAtTheDeadline() async throws {
        try await TestDatabase.withFresh { db, _ in
            let queue = JobQueue(database: db)
            try await queue.enqueue([NewJob](repeating: NewJob(kind: "slow"), count: 3))
            let started = Atomic<Int>(0)
            let handler = ClosureJobHandler(kind: "slow") { _ in
                started.add(1, ordering: .relaxed)
                try await Task.sleep(for: .seconds(60))
                return .completed
            }
            var configuration = testConfiguration()
            configuration.shutdownDeadline = .milliseconds(200)
            let slowRunner = runner(db, [handler], configuration)
            let clock = ContinuousClock.now
            try await withRunners([slowRunner]) {
                #expect(await eventually { started.load(ordering: .relaxed) == 3 })
            }
            #expect(ContinuousClock.now - clock < .seconds(10))
            #expect(
                try await db.scalar(
                    "SELECT count(*)::int FROM dialer.jobs WHERE state = 'available' AND attempt = 1 AND max_attempts = 26 AND errors->-1->>'kind' = 'released'",
                    as: Int.self
                ) == 3
            )
        }
    }
}
