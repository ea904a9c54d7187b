import Foundation
import PostgresNIO
import Store
import TestSupport
import Testing

@Suite struct APIKeyStoreTests {
    @Test func aKeyIsShownOnceStoredHashedAndOpensOnlyWhileLive() async throws {
        try await TestDatabase.withFresh { db, _ in
            let store = APIKeyStore(database: db)
            let (key, token) = try await store.create(name: "crm", scopes: [.callsWrite, .read])
            #expect(token.hasPrefix("dk_") && token.utf8.count == 46 && key.prefix == String(token.prefix(7)))
            // Nothing in the row is the key: only its hash.
            let stored = try await db.scalar("SELECT row_to_json(k)::text FROM dialer.api_keys k", as: String.self)
            #expect(!stored.contains(String(token.dropFirst(3))))

            let found = try #require(try await store.authenticate(token))
            #expect(found.name == "crm" && found.scopes == [.callsWrite, .read] && found.allows(.read) && !found.allows(.piiRead))
            #expect(try await db.scalar("SELECT last_used_at IS NOT NULL FROM dialer.api_keys", as: Bool.self))

            // A near miss, a malformed token and an empty one open nothing.
            var wrong = Array(token)
            wrong[10] = wrong[10] == "A" ? "B" : "A"
            #expect(try await store.authenticate(String(wrong)) == nil)
            #expect(try await store.authenticate("dk_short") == nil)
            #expect(try await store.authenticate("") == nil)

            try await store.revoke(name: "crm")
            #expect(try await store.authenticate(token) == nil)
            await #expect(throws: APIKeyError.notFound("crm")) { try await store.revoke(name: "crm") }
            // The name is free again; the revoked key is still listed when asked.
            _ = try await store.create(name: "crm", scopes: [.read])
            #expect(try await store.list().map(\.name) == ["crm"])
            #expect(try await store.list(includeRevoked: true).map { $0.revokedAt == nil } == [true, false])
        }
    }

    @Test func namesAreCheckedAndUniqueAmongLiveKeys() async throws {
        try await TestDatabase.withFresh { db, _ in
            let store = APIKeyStore(database: db)
            await #expect(throws: APIKeyError.invalidName("CRM key")) { try await store.create(name: "CRM key", scopes: [.read]) }
            await #expect(throws: APIKeyError.noScopes) { try await store.create(name: "crm", scopes: []) }
            _ = try await store.create(name: "crm", scopes: [.read])
            await #expect(throws: APIKeyError.nameTaken("crm")) { try await store.create(name: "crm", scopes: [.read]) }
            #expect(try await db.scalar("SELECT count(*)::int FROM dialer.api_keys", as: Int.self) == 1)
        }
    }
}

@Suite struct IdempotencyStoreTests {
    struct Refused: Error {}

    @Test func theSameKeyAndRequestGetTheFirstAnswerAndTheWorkRunsOnce() async throws {
        try await TestDatabase.withFresh(maxConnections: 8) { db, _ in
            let (key, _) = try await APIKeyStore(database: db).create(name: "crm", scopes: [.callsWrite])
            try await db.execute("CREATE TABLE public.work (n int)")
            let store = IdempotencyStore(database: db)
            let request = Data(#"{"to":"+14155550123"}"#.utf8)
            // Six clients retry at once: one does the work, the others wait and get its answer.
            let outcomes = try await withThrowingTaskGroup(of: IdempotencyStore.Outcome.self) { group in
                for _ in 0..<6 {
                    group.addTask {
                        try await store.perform(apiKeyID: key.id, key: "k-1", operation: "createCall", request: request) { connection in
                            try await connection.query("INSERT INTO public.work VALUES (1)", logger: db.logger)
                            return .init(status: 202, body: Data(#"{"id":"x"}"#.utf8))
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.filter { if case .performed = $0 { true } else { false } }.count == 1)
            #expect(outcomes.filter { $0 == .replayed(.init(status: 202, body: Data(#"{"id": "x"}"#.utf8))) }.count == 5)
            #expect(try await db.scalar("SELECT count(*)::int FROM public.work", as: Int.self) == 1)

            // Another body, or another operation, under the key: a mismatch, and no work.
            let other = try await store.perform(apiKeyID: key.id, key: "k-1", operation: "createCall", request: Data("{}".utf8)) { _ in
                Issue.record("ran twice")
                return .init(status: 202, body: Data("{}".utf8))
            }
            #expect(other == .mismatch)
        }
    }

    @Test func aRequestThatFailedLeavesNoKeyAndExpiredKeysAreReusedAndPruned() async throws {
        try await TestDatabase.withFresh { db, _ in
            let (key, _) = try await APIKeyStore(database: db).create(name: "crm", scopes: [.callsWrite])
            let store = IdempotencyStore(database: db)
            await #expect(throws: Refused.self) {
                try await store.perform(apiKeyID: key.id, key: "k", operation: "createCall", request: Data()) { _ in throw Refused() }
            }
            #expect(try await db.scalar("SELECT count(*)::int FROM dialer.idempotency_keys", as: Int.self) == 0)

            _ = try await store.perform(apiKeyID: key.id, key: "k", operation: "createCall", request: Data("a".utf8)) { _ in
                .init(status: 202, body: Data("1".utf8))
            }
            try await db.execute("UPDATE dialer.idempotency_keys SET created_at = now() - interval '25 hours'")
            let again = try await store.perform(apiKeyID: key.id, key: "k", operation: "createCall", request: Data("b".utf8)) { _ in
                .init(status: 202, body: Data("2".utf8))
            }
            #expect(again == .performed(.init(status: 202, body: Data("2".utf8))))
            try await db.execute("UPDATE dialer.idempotency_keys SET created_at = now() - interval '25 hours'")
            #expect(try await store.pruneExpired() == 1)
        }
    }
}
