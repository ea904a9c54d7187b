import Foundation
import PostgresNIO
import Store

extension DialerAPI {
    /// Runs a creating request's `work` in one transaction, under its `Idempotency-Key` when it
    /// sent one: the same key and body get the first answer again and nothing runs twice; the
    /// key with another body is 409. `request` is the decoded body, fingerprinted canonically,
    /// so a retry that reorders its fields is still the same request.
    func idempotently<Body: Encodable & Sendable>(
        _ idempotencyKey: String?,
        key: APIKey,
        operation: String,
        request: Body,
        _ work: @escaping @Sendable (PostgresConnection) async throws -> IdempotencyStore.Answer
    ) async throws -> IdempotencyStore.Answer {
        guard let claim = try claim(idempotencyKey, key: key, operation: operation, request: request) else {
            return try await serving {
                do {
                    return try await database.client.withTransaction(logger: logger) { try await work($0) }
                } catch let error as PostgresTransactionError {
                    throw error.closureError ?? error
                }
            }
        }
        return try answer(of: try await serving { try await IdempotencyStore(database: database).perform(claim, work) })
    }

    /// The claim of a request's `Idempotency-Key` header, checked; nil without one.
    func claim<Body: Encodable>(_ idempotencyKey: String?, key: APIKey, operation: String, request: Body) throws -> IdempotencyClaim? {
        guard let idempotencyKey else { return nil }
        guard (1...255).contains(idempotencyKey.utf8.count) else {
            throw APIProblem.invalid("Idempotency-Key", "must be 1 to 255 characters")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return IdempotencyClaim(apiKeyID: key.id, key: idempotencyKey, operation: operation, request: try encoder.encode(request))
    }

    /// The answer to give: the one just stored or the key's first; 409 for a key used for
    /// another request.
    func answer(of outcome: IdempotencyStore.Outcome) throws -> IdempotencyStore.Answer {
        switch outcome {
        case .performed(let answer), .replayed(let answer):
            return answer
        case .mismatch:
            throw APIProblem(
                .conflict,
                detail: "this Idempotency-Key was used in the last 24 hours for another request; use a new key for a new request",
                errors: [.init(field: "Idempotency-Key", detail: "already used for another request")]
            )
        }
    }
}

extension IdempotencyStore.Answer {
    /// An answer whose body is `value` as JSON.
    init(status: Int, json value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        self.init(status: status, body: try encoder.encode(value))
    }

    /// The body, as the type it was stored from.
    func decoded<T: Decodable>(_ type: T.Type) throws -> T {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode(type, from: body)
        } catch {
            throw ServiceFailure(underlying: error)
        }
    }
}
