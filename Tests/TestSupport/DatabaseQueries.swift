import PostgresNIO
import Store

extension Database {
    /// The first column of the first row, for assertions.
    public func scalar<Value: PostgresDecodable & Sendable>(_ query: PostgresQuery, as type: Value.Type = Value.self) async throws -> Value {
        let rows = try await client.query(query, logger: logger)
        for try await value in rows.decode(Value.self) { return value }
        throw TestSetupError("query returned no rows: \(query.sql)")
    }

    /// Runs a statement whose rows do not matter.
    public func execute(_ query: PostgresQuery) async throws {
        try await client.query(query, logger: logger)
    }
}
