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

extension Database {
    /// Every row, decoded as a tuple of its columns (a single column needs no tuple).
    public func rows<each Column: PostgresDecodable & Sendable>(
        _ query: PostgresQuery,
        as types: (repeat each Column).Type
    ) async throws -> [(repeat each Column)] {
        var rows: [(repeat each Column)] = []
        for try await row in try await client.query(query, logger: logger).decode(types) { rows.append(row) }
        return rows
    }
}
