import Foundation
import Queue
import Store
import TestSupport
import Testing
import Worker

@Suite struct PruneIdempotencyKeysTests {
    @Test func theRecurringJobDeletesAnswersPastTheirDayAndKeepsTheRest() async throws {
        try await TestDatabase.withFresh { db, _ in
            let (key, _) = try await APIKeyStore(database: db).create(name: "crm", scopes: [.callsWrite])
            let store = IdempotencyStore(database: db)
            for name in ["old", "new"] {
                _ = try await store.perform(apiKeyID: key.id, key: name, operation: "createCall", request: Data(name.utf8)) { _ in
                    .init(status: 202, body: Data("{}".utf8))
                }
            }
            try await db.execute("UPDATE dialer.idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = 'old'")
            let queue = JobQueue(database: db)
            try await PruneIdempotencyKeysHandler.schedule(queue)
            try await PruneIdempotencyKeysHandler.schedule(queue)
            #expect(try await db.scalar("SELECT count(*)::int FROM dialer.jobs WHERE kind = 'prune_idempotency_keys'", as: Int.self) == 1)
            let handler = PruneIdempotencyKeysHandler(database: db, interval: .seconds(60), logger: TestDatabase.testLogger)
            try await withRunners([runner(db, [handler])]) {
                let pruned = try await eventually {
                    try await db.scalar("SELECT string_agg(key, ',') FROM dialer.idempotency_keys", as: String.self) == "new"
                }
                #expect(pruned)
            }
            // The job snoozed for its interval rather than ending.
            #expect(try await db.scalar("SELECT state FROM dialer.jobs WHERE kind = 'prune_idempotency_keys'", as: String.self) != "completed")
        }
    }
}
