import Foundation
import PostgresNIO
import Queue
import Store
import TestSupport
import Testing

/// The queue's conformance suite, part 1: enqueueing and unique keys.
@Suite struct QueueEnqueueTests {
    struct CallArgs: Codable, Equatable {
        let contactID: Int
        let phone: String
    }

    @Test func enqueuesManyInOneCallInInputOrderWithTheirArgs() async throws {
        try await TestDatabase.withFresh { db, _ in
            let queue = JobQueue(database: db)
            let jobs = try (1...3).map {
                try NewJob(kind: "place_call", args: CallArgs(contactID: $0, phone: "+1555000000\($0)"), priority: $0, maxAttempts: 5)
            }
            let results = try await queue.enqueue(jobs)
            #expect(results.count == 3)
            #expect(results.allSatisfy { $0.inserted })
            #expect(results.map(\.id) == results.map(\.id).sorted())

            let claimed = try await queue.claim(kinds: ["place_call"], limit: 10, owner: "t", lease: .seconds(30))
            #expect(claimed.map(\.id) == results.map(\.id))
            #expect(try claimed.map { try $0.args(as: CallArgs.self).contactID } == [1, 2, 3])
            #expect(claimed.map(\.maxAttempts) == [5, 5, 5])
        }
    }

    @Test func aScheduledJobIsNotClaimableBeforeItsTime() async throws {
        try await TestDatabase.withFresh { db, _ in
            let queue = JobQueue(database: db)
            try await queue.enqueue(NewJob(kind: "k", schedule: .after(.seconds(3600))))
            try await queue.enqueue(NewJob(kind: "k", schedule: .at(Date().addingTimeInterval(3600))))
            #expect(try await queue.claim(kinds: ["k"], limit: 10, owner: "t", lease: .seconds(30)).isEmpty)
            try await queue.enqueue(NewJob(kind: "k", schedule: .at(Date().addingTimeInterval(-1))))
            #expect(try await queue.claim(kinds: ["k"], limit: 10, owner: "t", lease: .seconds(30)).count == 1)
        }
    }

    @Test func anOpenUniqueKeyReturnsTheExistingJob() async throws {
        try await TestDatabase.withFresh { db, _ in
            let queue = JobQueue(database: db)
            let first = try await queue.enqueue(NewJob(kind: "finalize_call", uniqueKey: "finalize:CA1"))
            let again = try await queue.enqueue(NewJob(kind: "finalize_call", uniqueKey: "finalize:CA1"))
            #expect(first.inserted && !again.inserted)
            #expect(first.id == again.id)

            // Within one batch too, next to keyless jobs.
            let batch = try await queue.enqueue([
                NewJob(kind: "finalize_call", uniqueKey: "finalize:CA2"),
                NewJob(kind: "other"),
                NewJob(kind: "finalize_call", uniqueKey: "finalize:CA2"),
                NewJob(kind: "finalize_call", uniqueKey: "finalize:CA1"),
            ])
            #expect(batch[0].inserted && batch[1].inserted)
            #expect(batch[2] == EnqueuedJob(id: batch[0].id, inserted: false))
            #expect(batch[3] == EnqueuedJob(id: first.id, inserted: false))

            // While running the key is still open; once finished it is free again.
            let claimed = try await queue.claim(kinds: ["finalize_call"], limit: 10, owner: "t", lease: .seconds(30))
            #expect(try await queue.enqueue(NewJob(kind: "finalize_call", uniqueKey: "finalize:CA1")).id == first.id)
            try await queue.complete(claimed.map(\.lease))
            let fresh = try await queue.enqueue(NewJob(kind: "finalize_call", uniqueKey: "finalize:CA1"))
            #expect(fresh.inserted && fresh.id != first.id)
            #expect(try await db.scalar("SELECT count(*)::int FROM dialer.jobs WHERE unique_key = 'finalize:CA1'", as: Int.self) == 2)
        }
    }

    @Test func concurrentEnqueuesOfOneUniqueKeyGiveOneJob() async throws {
        try await TestDatabase.withFresh(maxConnections: 16) { db, _ in
            let queue = JobQueue(database: db)
            for round in 0..<5 {
                let key = "import:campaign-\(round)"
                let results = try await withThrowingTaskGroup(of: EnqueuedJob.self) { group in
                    for _ in 0..<16 {
                        group.addTask { try await queue.enqueue(NewJob(kind: "import_campaign", uniqueKey: key)) }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(Set(results.map(\.id)).count == 1)
                #expect(results.filter(\.inserted).count == 1)
                #expect(try await db.scalar("SELECT count(*)::int FROM dialer.jobs WHERE unique_key = \(key)", as: Int.self) == 1)
            }
        }
    }

    @Test func anInsertNotifiesListenersWithTheKind() async throws {
        try await TestDatabase.withFresh { db, _ in
            let queue = JobQueue(database: db)
            let received = try await db.listener.withConnection { connection in
                try await connection.listen(on: JobQueue.notifyChannel) { notifications in
                    try await queue.enqueue(NewJob(kind: "place_call"))
                    var iterator = notifications.makeAsyncIterator()
                    return try await iterator.next()?.payload
                }
            }
            #expect(received == "place_call")
        }
    }
}
