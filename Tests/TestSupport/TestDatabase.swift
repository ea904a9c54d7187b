import Foundation
import Logging
import PostgresNIO
import Store

/// A fresh, migrated database for each test suite, on the server at `DATABASE_URL`
/// (`ops/test` starts an ephemeral cluster and sets it).
///
/// The first use in a process migrates a template database named after the migrations'
/// combined checksum; every fresh database is a `CREATE DATABASE … TEMPLATE` clone of it,
/// which takes milliseconds, and is dropped when the suite's closure returns (kept when it
/// passed and `DIALER_TEST_KEEP_DATABASES=1`).
public enum TestDatabase {
    /// Runs `body` with a fresh migrated database and its URL (for child processes).
    public static func withFresh<Result: Sendable>(
        maxConnections: Int = 10,
        _ body: @Sendable (Database, DatabaseURL) async throws -> Result
    ) async throws -> Result {
        let template = try await TemplateDatabase.shared.name()
        return try await withDatabase(template: template, maxConnections: maxConnections, body)
    }

    /// Runs `body` with a fresh database that has no schema at all (for migration tests).
    public static func withEmpty<Result: Sendable>(
        maxConnections: Int = 10,
        _ body: @Sendable (Database, DatabaseURL) async throws -> Result
    ) async throws -> Result {
        try await withDatabase(template: "template0", maxConnections: maxConnections, body)
    }

    static func withDatabase<Result: Sendable>(
        template: String,
        maxConnections: Int,
        _ body: @Sendable (Database, DatabaseURL) async throws -> Result
    ) async throws -> Result {
        let admin = try await AdminConnection.shared.client()
        let name = "dialer_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        try await admin.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name) TEMPLATE \(template)"))
        let direct = try adminURL().with(database: name)
        // The PgBouncer pass (ops/test): statements through the pooler in transaction mode,
        // LISTENs direct, no named statements, as a deployment behind PgBouncer runs.
        let pooled = try ProcessInfo.processInfo.environment["DIALER_TEST_PGBOUNCER_URL"].map { try DatabaseURL($0).with(database: name) }
        let url = pooled ?? direct
        do {
            let result = try await Database.run(
                url: url,
                listenURL: pooled == nil ? nil : direct,
                namedStatements: pooled == nil,
                maxConnections: maxConnections,
                logger: testLogger
            ) { db in
                try await body(db, url)
            }
            // DIALER_TEST_KEEP_DATABASES=1 keeps what a passing test left, to look at with psql.
            if ProcessInfo.processInfo.environment["DIALER_TEST_KEEP_DATABASES"] == "1" {
                print("kept test database \(name)")
            } else {
                try await admin.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"))
            }
            return result
        } catch {
            _ = try? await admin.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"))
            throw error
        }
    }

    static func adminURL() throws -> DatabaseURL {
        guard let value = ProcessInfo.processInfo.environment["DATABASE_URL"], !value.isEmpty else {
            throw TestSetupError(
                "DATABASE_URL is not set: run the tests with ops/test, which starts an ephemeral Postgres, or point DATABASE_URL at a server where this role may create databases"
            )
        }
        return try DatabaseURL(value)
    }

    /// Quiet unless TEST_LOG_LEVEL asks otherwise.
    public static let testLogger: Logger = {
        var logger = Logger(label: "dialer.test")
        logger.logLevel = ProcessInfo.processInfo.environment["TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
        return logger
    }()
}

/// A connection pool to the server's admin database, alive for the whole test process.
actor AdminConnection {
    static let shared = AdminConnection()
    private var running: PostgresClient?

    func client() throws -> PostgresClient {
        if let running { return running }
        let client = PostgresClient(
            configuration: try TestDatabase.adminURL().clientConfiguration(maxConnections: 4),
            backgroundLogger: TestDatabase.testLogger
        )
        Task.detached { await client.run() }
        running = client
        return client
    }
}

/// The migrated template every fresh database is cloned from, built once per schema version.
actor TemplateDatabase {
    static let shared = TemplateDatabase()
    private var built: Task<String, any Error>?

    func name() async throws -> String {
        if let built { return try await built.value }
        let task = Task { try await Self.build() }
        built = task
        return try await task.value
    }

    private static func build() async throws -> String {
        let name = "dialer_template_" + MigrationSource.combinedChecksum(MigrationSource.embedded)
        let admin = try await AdminConnection.shared.client()
        // Test processes may run side by side on one server: one builds, the others wait.
        return try await admin.withConnection { connection in
            try await connection.query("SELECT pg_advisory_lock(7001)", logger: TestDatabase.testLogger)
            do {
                let exists =
                    try await connection.query(
                        "SELECT count(*)::int FROM pg_database WHERE datname = \(name)",
                        logger: TestDatabase.testLogger
                    ).decode(Int.self).reduce(0) { $1 } > 0
                if !exists {
                    let building = name + "_building"
                    try await connection.query(
                        PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(building) WITH (FORCE)"),
                        logger: TestDatabase.testLogger
                    )
                    try await connection.query(
                        PostgresQuery(unsafeSQL: "CREATE DATABASE \(building) TEMPLATE template0"),
                        logger: TestDatabase.testLogger
                    )
                    let url = try TestDatabase.adminURL().with(database: building)
                    try await Database.run(url: url, maxConnections: 2, logger: TestDatabase.testLogger) { db in
                        try await Migrator(database: db).migrate()
                    }
                    try await connection.query(
                        PostgresQuery(unsafeSQL: "ALTER DATABASE \(building) RENAME TO \(name)"),
                        logger: TestDatabase.testLogger
                    )
                }
                try await connection.query("SELECT pg_advisory_unlock(7001)", logger: TestDatabase.testLogger)
                return name
            } catch {
                _ = try? await connection.query("SELECT pg_advisory_unlock(7001)", logger: TestDatabase.testLogger)
                throw error
            }
        }
    }
}

/// The tests cannot run here, and why.
public struct TestSetupError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
