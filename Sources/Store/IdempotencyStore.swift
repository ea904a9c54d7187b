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
    public func perform(_ claim: IdempotencyClaim, _ work: @Sendable (PostgresConnection) async throws -> Answer) async throws -> Outcome {
        do {
            return try await transaction(claim, work)
        } catch let error as PostgresTransactionError {
            // The caller's own error (a refusal it maps to a 4xx), not the transaction's wrapper.
            throw error.closureError ?? error
        }
    }

    /// `perform` under the claim these make.
    public func perform(
        apiKeyID: Int64,
        key: String,
        operation: String,
        request: Data,
        _ work: @Sendable (PostgresConnection) async throws -> Answer
    ) async throws -> Outcome {
        try await perform(IdempotencyClaim(apiKeyID: apiKeyID, key: key, operation: operation, request: request), work)
    }

    private func transaction(_ claim: IdempotencyClaim, _ work: @Sendable (PostgresConnection) async throws -> Answer) async throws -> Outcome {
        try await database.client.withTransaction(logger: database.logger) { connection in
            let claimed = try await connection.query(
                """
                SELECT claimed, operation, request_hash, response_status, response_body FROM dialer.claim_idempotency_key(
                    \(claim.apiKeyID), \(claim.key), \(claim.operation), \(claim.requestHash), \(Self.retention))
                """,
                logger: database.logger
            )
            for try await (isNew, operation, hash, status, body) in claimed.decode((Bool, String?, Data?, Int?, String?).self) {
                guard isNew else {
                    guard operation == claim.operation, hash == claim.requestHash, let status, let body else { return .mismatch }
                    return .replayed(Answer(status: status, body: Data(body.utf8)))
                }
                let answer = try await work(connection)
                try await connection.query(
                    """
                    SELECT dialer.store_idempotent_answer(\(claim.apiKeyID), \(claim.key), \(answer.status)::int,
                                                          \(String(decoding: answer.body, as: UTF8.self))::jsonb)
                    """,
                    logger: database.logger
                )
                return .performed(answer)
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

/// A request under an `Idempotency-Key`: whose key, the operation, and a SHA-256 of the
/// request (its operation and body, canonically encoded), which a reuse must match.
public struct IdempotencyClaim: Sendable, Equatable {
    public let apiKeyID: Int64
    public let key: String
    public let operation: String
    public let requestHash: Data

    public init(apiKeyID: Int64, key: String, operation: String, request: Data) {
        self.apiKeyID = apiKeyID
        self.key = key
        self.operation = operation
        requestHash = Data(SHA256.hash(data: request))
    }
}
