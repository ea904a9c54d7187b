import Crypto
import Foundation
import PostgresNIO

/// Answers to POSTs that carried an `Idempotency-Key` (the IETF draft's header), kept 24 hours.
///
/// The work a request does and the answer it got commit in one transaction, after the key is
/// claimed in that transaction: a second request with the key waits on the first's row lock,
/// then finds its answer. So a retried `POST /v1/calls` never makes a second call, and a request
/// that failed (nothing written) leaves no key behind.
public struct IdempotencyStore: Sendable {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// How long an answer is kept.
    public static let retention: TimeInterval = 24 * 60 * 60

    /// A stored answer: its HTTP status and JSON body.
    public struct Answer: Sendable, Equatable {
        public let status: Int
        public let body: Data

        public init(status: Int, body: Data) {
            self.status = status
            self.body = body
        }
    }

    /// What became of an idempotent request.
    public enum Outcome: Sendable, Equatable {
        /// The work ran now; this is its answer, now stored.
        case performed(Answer)
        /// The key was used before with the same request: the first answer again.
        case replayed(Answer)
        /// The key was used before with another request (or another operation): 409.
        case mismatch
    }

    /// Runs `work` in a transaction holding the key, unless the key already has an answer.
    /// `request` identifies the request (its operation and body, canonically encoded).
    public func perform(
        apiKeyID: Int64,
        key: String,
        operation: String,
        request: Data,
        _ work: @Sendable (PostgresConnection) async throws -> Answer
    ) async throws -> Outcome {
        let hash = Data(SHA256.hash(data: request))
        do {
            return try await transaction(apiKeyID: apiKeyID, key: key, operation: operation, hash: hash, work)
        } catch let error as PostgresTransactionError {
            // The caller's own error (a refusal it maps to a 4xx), not the transaction's wrapper.
            throw error.closureError ?? error
        }
    }

    private func transaction(
        apiKeyID: Int64,
        key: String,
        operation: String,
        hash: Data,
        _ work: @Sendable (PostgresConnection) async throws -> Answer
    ) async throws -> Outcome {
        let retention = Self.retention
        return try await database.client.withTransaction(logger: database.logger) { connection in
            // Claims the key, or takes over one whose answer expired; waits on a concurrent
            // holder's lock, then sees its committed row and claims nothing.
            let claimed = try await connection.query(
                """
                INSERT INTO dialer.idempotency_keys (api_key_id, key, operation, request_hash, response_status, response_body)
                VALUES (\(apiKeyID), \(key), \(operation), \(hash), 0, 'null')
                ON CONFLICT (api_key_id, key) DO UPDATE
                    SET operation = EXCLUDED.operation, request_hash = EXCLUDED.request_hash, created_at = now()
                    WHERE dialer.idempotency_keys.created_at < now() - make_interval(secs => \(retention))
                RETURNING true
                """,
                logger: database.logger
            )
            var isNew = false
            for try await value in claimed.decode(Bool.self) { isNew = value }
            if isNew {
                let answer = try await work(connection)
                try await connection.query(
                    """
                    UPDATE dialer.idempotency_keys SET response_status = \(answer.status), response_body = \(String(decoding: answer.body, as: UTF8.self))::jsonb
                    WHERE api_key_id = \(apiKeyID) AND key = \(key)
                    """,
                    logger: database.logger
                )
                return .performed(answer)
            }
            let stored = try await connection.query(
                """
                SELECT operation, request_hash, response_status, response_body::text FROM dialer.idempotency_keys
                WHERE api_key_id = \(apiKeyID) AND key = \(key)
                """,
                logger: database.logger
            )
            for try await (storedOperation, storedHash, status, body) in stored.decode((String, Data, Int, String).self) {
                guard storedOperation == operation, storedHash == hash else { return .mismatch }
                return .replayed(Answer(status: status, body: Data(body.utf8)))
            }
            return .mismatch
        }
    }

    /// Deletes answers past their 24 hours, a batch at a time; returns how many went.
    @discardableResult
    public func pruneExpired(limit: Int = 10_000) async throws -> Int {
        let retention = Self.retention
        let rows = try await database.client.query(
            """
            WITH expired AS (
                SELECT api_key_id, key FROM dialer.idempotency_keys
                WHERE created_at < now() - make_interval(secs => \(retention)) LIMIT \(limit)
            )
            DELETE FROM dialer.idempotency_keys k USING expired e WHERE k.api_key_id = e.api_key_id AND k.key = e.key
            RETURNING 1
            """,
            logger: database.logger
        )
        var count = 0
        for try await _ in rows.decode(Int.self) { count += 1 }
        return count
    }
}
