import Logging
import PostgresNIO

/// The dialer's handle on Postgres: a connection pool and the logger its queries use.
///
/// The pool must be running; `Database.run(url:…)` runs it for the duration of a closure,
/// and long-lived services add `client` to their `ServiceGroup` instead.
public struct Database: Sendable {
    public let client: PostgresClient
    public let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Opens a pool to `url`, runs `body` with it, and closes the pool afterwards.
    public static func run<Result: Sendable>(
        url: DatabaseURL,
        maxConnections: Int = 20,
        logger: Logger = Logger(label: "dialer.store"),
        _ body: @Sendable (Database) async throws -> Result
    ) async throws -> Result {
        let client = PostgresClient(configuration: try url.clientConfiguration(maxConnections: maxConnections), backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            // Give run() a moment to start, or the first query logs a spurious warning.
            try await Task.sleep(for: .milliseconds(5))
            return try await body(Database(client: client, logger: logger))
        }
    }
}
