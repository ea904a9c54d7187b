import Foundation
import Store
import TestSupport
import Testing

@testable import AdminAPI

/// The API's key cache: a key that authenticated is taken for its lifetime without a lookup;
/// after it, a revoked key is refused; unknown tokens are never kept.
@Suite struct APIKeyCacheTests {
    @Test func aKeyIsKeptForItsLifetimeAndARevokedOneIsRefusedAfter() async throws {
        try await TestDatabase.withFresh { db, _ in
            let keys = APIKeyStore(database: db)
            let (created, token) = try await keys.create(name: "crm", scopes: [.read])
            // Lifetimes far from how long a loaded test machine takes between two steps.
            let cache = APIKeyCache(lifetime: .seconds(300))
            let short = APIKeyCache(lifetime: .milliseconds(100))
            #expect(try await cache.authenticate(token, with: keys)?.id == created.id)
            #expect(try await short.authenticate(token, with: keys)?.id == created.id)
            try await keys.revoke(name: "crm")
            // Within the lifetime: the kept key, no lookup.
            #expect(try await cache.authenticate(token, with: keys)?.id == created.id)
            // After it: looked up again, and refused.
            try await Task.sleep(for: .milliseconds(200))
            #expect(try await short.authenticate(token, with: keys) == nil)
            #expect(try await short.authenticate(token, with: keys) == nil)
            // A token no key has is looked up each time: made a key afterwards, it works at once.
            let unknown = "dk_" + String(repeating: "B", count: 43)
            #expect(try await cache.authenticate(unknown, with: keys) == nil)
            try await db.execute(
                """
                INSERT INTO dialer.api_keys (name, prefix, key_hash, scopes)
                VALUES ('later', 'dk_BBBB', \(APIKeyStore.hash(unknown)), ARRAY['read'])
                """
            )
            #expect(try await cache.authenticate(unknown, with: keys)?.name == "later")
            #expect(try await cache.authenticate("not a key", with: keys) == nil)
        }
    }
}
