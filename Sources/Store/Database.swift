import Logging
import PostgresNIO

/// The dialer's handle on Postgres: a connection pool and the logger its queries use.
///
/// The pool must be running; `Database.run(url:…)` runs it for the duration of a closure,
/// and long-lived services add `client` to their `ServiceGroup` instead.
public struct Database: Sendable {
    public let client: PostgresClient
    /// The pool LISTENs go through (the job runner, call signals, the console's events): a
    /// direct connection to Postgres (`DIALER_LISTEN_DATABASE_URL`) when `client` goes
    /// through PgBouncer in transaction mode, which keeps no session; else `client`.
    public let listener: PostgresClient
    public let logger: Logger
    /// Whether the hot statements are prepared once per connection under a name (PostgresNIO's
    /// prepared statements). A pooler in transaction mode that does not track them (PgBouncer
    /// before 1.21) loses the name between transactions: `DIALER_PREPARED_STATEMENTS=off`.
    public var namedStatements = true

    public init(client: PostgresClient, listener: PostgresClient? = nil, logger: Logger) {
        self.client = client
        self.listener = listener ?? client
        self.logger = logger
    }

    /// The rows of a hot statement: prepared under its name, or (``namedStatements`` off) sent
    /// with its text each time, as any other query.
    public func rows<Statement: PostgresPreparedStatement>(_ statement: Statement) async throws -> [Statement.Row] {
        var rows: [Statement.Row] = []
        if namedStatements {
            for try await row in try await client.execute(statement, logger: logger) { rows.append(row) }
        } else {
            let query = PostgresQuery(unsafeSQL: Statement.sql, binds: try statement.makeBindings())
            for try await row in try await client.query(query, logger: logger) { rows.append(try statement.decodeRow(row)) }
        }
        return rows
    }

    /// The pool LISTENs take their connections from when they go to their own URL (a direct
    /// connection behind PgBouncer): a process holds one or two, each for as long as it runs.
    public static func listenerClient(_ url: DatabaseURL, logger: Logger) throws -> PostgresClient {
        PostgresClient(configuration: try url.clientConfiguration(maxConnections: 4), backgroundLogger: logger)
    }

    /// Opens a pool to `url`, runs `body` with it, and closes the pool afterwards.
    /// With `listenURL`, LISTENs go there (a direct connection when `url` is PgBouncer's).
    public static func run<Result: Sendable>(
        url: DatabaseURL,
        listenURL: DatabaseURL? = nil,
        namedStatements: Bool = true,
        maxConnections: Int = 20,
        logger: Logger = Logger(label: "dialer.store"),
        _ body: @Sendable (Database) async throws -> Result
    ) async throws -> Result {
        let client = PostgresClient(configuration: try url.clientConfiguration(maxConnections: maxConnections), backgroundLogger: logger)
        let listener = try listenURL.map { try listenerClient($0, logger: logger) }
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            if let listener { group.addTask { await listener.run() } }
            defer { group.cancelAll() }
            // Give run() a moment to start, or the first query logs a spurious warning.
            try await Task.sleep(for: .milliseconds(5))
            var database = Database(client: client, listener: listener, logger: logger)
            database.namedStatements = namedStatements
            return try await body(database)
        }
    }
}
