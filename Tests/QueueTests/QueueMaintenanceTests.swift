import Foundation
import PostgresNIO
import Queue
import Store
import TestSupport
import Testing

/// The queue's conformance suite, part 3: rescue, prune, retry, and the operator views.
@Suite struct QueueMaintenanceTests {
    @Test func anExpiredLeaseShowsAsStuckThenIsRescuedOrDiscarded() async throws {
        try await TestDatabase.withFresh { db, _ in
            let queue = JobQueue(database: db)
            let retried = try await queue.enqueue(NewJob(kind: "k", maxAttempts: 3)).id
            let spent = try await queue.enqueue(NewJob(kind: "k", maxAttempts: 1)).id
            _ = try await queue.claim(kinds: ["k"], limit: 2, owner: "dead-host:42", lease: .milliseconds(50))
            try await Task.sleep(for: .milliseconds(150))

            #expect(try await db.scalar("SELECT count(*)::int FROM dialer.stuck_jobs WHERE lease_owner = 'dead-host:42'", as: Int.self) == 2)
            let rescued = try await queue.rescueExpired()
            #expect(Set(rescued.map(\.id)) == [retried, spent])
            #expect(rescued.first { $0.id == retried }?.state == .available)
            #expect(rescued.first { $0.id == spent }?.state == .discarded)
            #expect(try await db.scalar("SELECT count(*)::int FROM dialer.stuck_jobs", as: Int.self) == 0)
            #expect(
                try await db.scalar("SELECT last_error FROM dialer.discarded_jobs WHERE id = \(spent)", as: String.self).contains(
                    "worker died or stalled"
                )
            )
        }
    }

    @Test func pruneDeletesOnlyFinishedJobsPastTheirRetention() async throws {
        try await TestDatabase.withFresh { db, _ in
            let queue = JobQueue(database: db)
            try await queue.enqueue([NewJob](repeating: NewJob(kind: "k", maxAttempts: 1), count: 4))
            let jobs = try await queue.claim(kinds: ["k"], limit: 3, owner: "w", lease: .seconds(30))
            try await queue.complete([jobs[0].lease])
            try await queue.fail([JobFailure(lease: jobs[1].lease, errorType: "E", message: "m", retryDelay: 0)])
            try await queue.complete([jobs[2].lease])
            // Two of them finished two days ago.
            try await db.execute("UPDATE dialer.jobs SET finalized_at = now() - interval '2 days' WHERE id = ANY(\([jobs[0].id, jobs[1].id]))")

            let pruned = try await queue.prune(finished: .seconds(24 * 3600), discarded: .seconds(7 * 24 * 3600))
            #expect(pruned == 1)
            let left = try await db.client.query("SELECT id FROM dialer.jobs ORDER BY id").decode(Int64.self).reduce(into: []) { $0.append($1) }
            #expect(left.count == 3)
            #expect(!left.contains(jobs[0].id))
            #expect(left.contains(jobs[1].id))  // discarded: kept for the operator a week
        }
    }

    @Test func retryBringsDiscardedJobsBackByKindOrIdUnlessTheirKeyIsTaken() async throws {
        try await TestDatabase.withFresh { db, _ in
            let queue = JobQueue(database: db)
            let ids = try await queue.enqueue([
                NewJob(kind: "finalize_call", maxAttempts: 1, uniqueKey: "finalize:CA1"),
                NewJob(kind: "finalize_call", maxAttempts: 1),
                NewJob(kind: "finalize_call", maxAttempts: 1),
                NewJob(kind: "place_call", maxAttempts: 1),
            ]).map(\.id)
            let jobs = try await queue.claim(kinds: ["finalize_call", "place_call"], limit: 4, owner: "w", lease: .seconds(30))
            try await queue.fail(jobs.map { JobFailure(lease: $0.lease, errorType: "E", message: "boom", permanent: true, retryDelay: 0) })
            // A new open job took CA1's key since: retrying the old one would do the work twice.
            let replacement = try await queue.enqueue(NewJob(kind: "finalize_call", uniqueKey: "finalize:CA1"))
            #expect(replacement.inserted)

            #expect(try await queue.retryDiscarded(kind: "finalize_call", id: ids[1]) == [ids[1]])
            #expect(try await queue.retryDiscarded(kind: "finalize_call", id: nil) == [ids[2]])
            #expect(try await db.scalar("SELECT state FROM dialer.jobs WHERE id = \(ids[0])", as: String.self) == "discarded")
            #expect(try await db.scalar("SELECT state FROM dialer.jobs WHERE id = \(ids[3])", as: String.self) == "discarded")

            let again = try await queue.claim(kinds: ["finalize_call"], limit: 10, owner: "w", lease: .seconds(30))
            #expect(Set(again.map(\.id)) == [ids[1], ids[2], replacement.id])
            let retried = again.first { $0.id == ids[1] }!
            #expect(retried.attempt == 2 && retried.maxAttempts == 2)
            #expect(try await db.scalar("SELECT jsonb_array_length(errors) FROM dialer.jobs WHERE id = \(ids[1])", as: Int.self) == 1)
        }
    }

    @Test func rescueAndRetryWakeListenersOfTheirKinds() async throws {
        try await TestDatabase.withFresh { db, _ in
            let queue = JobQueue(database: db)
            try await queue.enqueue(NewJob(kind: "place_call", maxAttempts: 5))
            try await queue.enqueue(NewJob(kind: "finalize_call", maxAttempts: 1))
            let jobs = try await queue.claim(kinds: ["place_call", "finalize_call"], limit: 2, owner: "w", lease: .milliseconds(50))
            try await queue.fail(
                jobs.filter { $0.kind == "finalize_call" }.map {
                    JobFailure(lease: $0.lease, errorType: "E", message: "m", permanent: true, retryDelay: 0)
                }
            )
            try await Task.sleep(for: .milliseconds(150))
            let payloads = try await db.listener.withConnection { connection in
                try await connection.listen(on: JobQueue.notifyChannel) { notifications in
                    _ = try await queue.rescueExpired()
                    _ = try await queue.retryDiscarded(kind: "finalize_call", id: nil)
                    var iterator = notifications.makeAsyncIterator()
                    return [try await iterator.next()?.payload, try await iterator.next()?.payload]
                }
            }
            #expect(payloads == ["place_call", "finalize_call"])
        }
    }

    @Test func jobCountsViewGroupsByKindAndState() async throws {
        try await TestDatabase.withFresh { db, _ in
            let queue = JobQueue(database: db)
            try await queue.enqueue([NewJob](repeating: NewJob(kind: "place_call"), count: 5))
            try await queue.enqueue(NewJob(kind: "import_campaign"))
            _ = try await queue.claim(kinds: ["place_call"], limit: 2, owner: "w", lease: .seconds(30))
            let counts = try await queue.counts()
            #expect(
                counts == [
                    .init(kind: "import_campaign", state: .available, jobs: 1),
                    .init(kind: "place_call", state: .available, jobs: 3),
                    .init(kind: "place_call", state: .running, jobs: 2),
                ]
            )
        }
    }
}
