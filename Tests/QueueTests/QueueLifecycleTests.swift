import Foundation
import PostgresNIO
import Queue
import Store
import TestSupport
import Testing

/// The queue's conformance suite, part 2: claims and the fenced transitions of running jobs.
@Suite struct QueueLifecycleTests {
    @Test func claimTakesTheMostUrgentAndSetsTheLease() async throws {
        try await TestDatabase.withFresh { db, _ in
            let queue = JobQueue(database: db)
            let low = try await queue.enqueue(NewJob(kind: "k", priority: 4))
            let high = try await queue.enqueue(NewJob(kind: "k", priority: 1))
            try await queue.enqueue(NewJob(kind: "not-mine", priority: 0))
            let claimed = try await queue.claim(kinds: ["k"], limit: 1, owner: "worker-a", lease: .seconds(30))
            #expect(claimed.map(\.id) == [high.id])
            #expect(claimed[0].attempt == 1)
            let row = try await db.client.query(
                "SELECT state, lease_owner, extract(epoch FROM lease_expires_at - now())::float8 FROM dialer.jobs WHERE id = \(high.id)"
            ).decode((String, String, Double).self).reduce(nil as (String, String, Double)?) { $1 }!
            #expect(row.0 == "running" && row.1 == "worker-a")
            #expect(row.2 > 25 && row.2 <= 30)
            #expect(try await queue.claim(kinds: ["k"], limit: 5, owner: "worker-a", lease: .seconds(30)).map(\.id) == [low.id])
        }
    }

    @Test func concurrentClaimsNeverShareAJob() async throws {
        try await TestDatabase.withFresh(maxConnections: 8) { db, _ in
            let queue = JobQueue(database: db)
            try await queue.enqueue([NewJob](repeating: NewJob(kind: "k"), count: 500))
            let batches = try await withThrowingTaskGroup(of: [Int64].self) { group in
                for worker in 0..<8 {
                    group.addTask {
                        var mine: [Int64] = []
                        while true {
                            let jobs = try await queue.claim(kinds: ["k"], limit: 7, owner: "w\(worker)", lease: .seconds(30))
                            if jobs.isEmpty { return mine }
                            mine += jobs.map(\.id)
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let all = batches.flatMap { $0 }
            #expect(all.count == 500)
            #expect(Set(all).count == 500)
        }
    }

    @Test func aStaleRunnerCannotTouchAJobRescuedFromIt() async throws {
        try await TestDatabase.withFresh { db, _ in
            let queue = JobQueue(database: db)
            let id = try await queue.enqueue(NewJob(kind: "k")).id
            let stale = try await queue.claim(kinds: ["k"], limit: 1, owner: "stalled", lease: .milliseconds(100))[0]
            try await Task.sleep(for: .milliseconds(250))

            let rescued = try await queue.rescueExpired()
            #expect(rescued == [JobQueue.RescuedJob(id: id, kind: "k", state: .available)])
            let fresh = try await queue.claim(kinds: ["k"], limit: 1, owner: "healthy", lease: .seconds(30))[0]
            #expect(fresh.attempt == 2)

            // Everything the stalled worker still tries is fenced out.
            #expect(try await queue.complete([stale.lease]).isEmpty)
            #expect(try await queue.fail([JobFailure(lease: stale.lease, errorType: "E", message: "late", retryDelay: 0)]).isEmpty)
            #expect(try await queue.heartbeat([stale.lease], lease: .seconds(30)).isEmpty)
            #expect(try await queue.snooze([stale.lease], for: .zero).isEmpty)
            #expect(try await queue.cancel([stale.lease], reason: "late").isEmpty)
            #expect(try await db.scalar("SELECT state || ':' || lease_owner FROM dialer.jobs WHERE id = \(id)", as: String.self) == "running:healthy")

            #expect(try await queue.complete([fresh.lease]) == [fresh.lease])
            #expect(try await db.scalar("SELECT state FROM dialer.jobs WHERE id = \(id)", as: String.self) == "completed")
            let errors = try await db.scalar("SELECT errors::text FROM dialer.jobs WHERE id = \(id)", as: String.self)
            #expect(errors.contains("\"kind\": \"rescued\"") && errors.contains("\"owner\": \"stalled\""))
        }
    }

    @Test func failuresRetryAfterTheirDelayThenDiscardWithEveryErrorRecorded() async throws {
        try await TestDatabase.withFresh { db, _ in
            let queue = JobQueue(database: db)
            let id = try await queue.enqueue(NewJob(kind: "k", maxAttempts: 2)).id

            let first = try await queue.claim(kinds: ["k"], limit: 1, owner: "w", lease: .seconds(30))[0]
            let states = try await queue.fail([JobFailure(lease: first.lease, errorType: "Twilio.Timeout", message: "timed out", retryDelay: 3600)])
            #expect(states == [first.lease: .retryable])
            #expect(try await queue.claim(kinds: ["k"], limit: 1, owner: "w", lease: .seconds(30)).isEmpty)
            let wait = try await db.scalar("SELECT extract(epoch FROM run_at - now())::float8 FROM dialer.jobs WHERE id = \(id)", as: Double.self)
            #expect(wait > 3500 && wait <= 3600)

            try await db.execute("UPDATE dialer.jobs SET run_at = now() WHERE id = \(id)")
            let second = try await queue.claim(kinds: ["k"], limit: 1, owner: "w", lease: .seconds(30))[0]
            #expect(second.attempt == 2)
            #expect(
                try await queue.fail([JobFailure(lease: second.lease, errorType: "Twilio.Timeout", message: "again", retryDelay: 1)]) == [
                    second.lease: .discarded
                ]
            )

            let errors = try await db.client.query(
                "SELECT (e->>'attempt')::int, e->>'kind', e->>'message', (e->>'at') IS NOT NULL FROM dialer.jobs, jsonb_array_elements(errors) AS e WHERE id = \(id)"
            ).decode((Int, String, String, Bool).self).reduce(into: []) { $0.append($1) }
            #expect(errors.map(\.0) == [1, 2])
            #expect(errors.map(\.2) == ["timed out", "again"])
            #expect(errors.allSatisfy { $0.1 == "Twilio.Timeout" && $0.3 })
            #expect(try await db.scalar("SELECT finalized_at IS NOT NULL FROM dialer.jobs WHERE id = \(id)", as: Bool.self))
        }
    }

    @Test func aPermanentFailureDiscardsAtOnce() async throws {
        try await TestDatabase.withFresh { db, _ in
            let queue = JobQueue(database: db)
            try await queue.enqueue(NewJob(kind: "k", maxAttempts: 25))
            let job = try await queue.claim(kinds: ["k"], limit: 1, owner: "w", lease: .seconds(30))[0]
            let states = try await queue.fail([
                JobFailure(lease: job.lease, errorType: "Twilio.InvalidNumber", message: "21211", permanent: true, retryDelay: 1)
            ])
            #expect(states == [job.lease: .discarded])
        }
    }

    @Test func snoozeReschedulesWithoutSpendingAnAttempt() async throws {
        try await TestDatabase.withFresh { db, _ in
            let queue = JobQueue(database: db)
            let id = try await queue.enqueue(NewJob(kind: "k", maxAttempts: 1)).id
            let job = try await queue.claim(kinds: ["k"], limit: 1, owner: "w", lease: .seconds(30))[0]
            #expect(try await queue.snooze([job.lease], for: .zero) == [job.lease])
            let again = try await queue.claim(kinds: ["k"], limit: 1, owner: "w", lease: .seconds(30))[0]
            #expect(again.id == id && again.attempt == 2 && again.maxAttempts == 2)
            // The one real attempt is still there: a failure now is final, not before.
            #expect(try await queue.fail([JobFailure(lease: again.lease, errorType: "E", message: "m", retryDelay: 0)]) == [again.lease: .discarded])
        }
    }

    @Test func cancelAndCompleteAreFinal() async throws {
        try await TestDatabase.withFresh { db, _ in
            let queue = JobQueue(database: db)
            try await queue.enqueue([NewJob](repeating: NewJob(kind: "k"), count: 150))
            let jobs = try await queue.claim(kinds: ["k"], limit: 150, owner: "w", lease: .seconds(30))
            #expect(try await queue.complete(jobs.dropLast().map(\.lease)).count == 149)
            #expect(try await queue.cancel([jobs.last!.lease], reason: "campaign cancelled").count == 1)
            #expect(try await queue.complete(jobs.map(\.lease)).isEmpty)
            let counts = try await queue.counts()
            #expect(
                counts == [
                    .init(kind: "k", state: .cancelled, jobs: 1),
                    .init(kind: "k", state: .completed, jobs: 149),
                ]
            )
        }
    }

    @Test func heartbeatExtendsEveryHeldLease() async throws {
        try await TestDatabase.withFresh { db, _ in
            let queue = JobQueue(database: db)
            try await queue.enqueue([NewJob](repeating: NewJob(kind: "k"), count: 3))
            let jobs = try await queue.claim(kinds: ["k"], limit: 3, owner: "w", lease: .seconds(1))
            #expect(try await queue.heartbeat(jobs.map(\.lease), lease: .seconds(600)) == Set(jobs.map(\.lease)))
            try await Task.sleep(for: .milliseconds(1100))
            #expect(try await queue.rescueExpired().isEmpty)
            #expect(try await db.scalar("SELECT count(*)::int FROM dialer.stuck_jobs", as: Int.self) == 0)
        }
    }
}
