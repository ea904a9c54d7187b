import ArgumentParser
import Foundation
import Logging
import PostgresNIO
import Store

/// The database every command talks to.
public struct DatabaseOptions: ParsableArguments, Sendable {
    @Option(name: .customLong("database-url"), help: "Postgres URL; defaults to $DATABASE_URL. Use ?host=/dir for a unix socket.")
    public var databaseURL: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (or $LOG_LEVEL).")
    public var logLevel: String?

    public init() {}

    public func url() throws -> DatabaseURL {
        if let databaseURL { return try DatabaseURL(databaseURL) }
        return try DatabaseURL.fromEnvironment()
    }

    /// Where LISTENs go when statements go through PgBouncer in transaction mode:
    /// `$DIALER_LISTEN_DATABASE_URL`, a direct connection to the same database; nil: the pool.
    public func listenURL(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> DatabaseURL? {
        guard let value = environment["DIALER_LISTEN_DATABASE_URL"], !value.isEmpty else { return nil }
        return try DatabaseURL(value)
    }

    /// The pools of a long-lived process: its statements' (`maxConnections`), and a small
    /// one for LISTENs when ``listenURL(_:)`` names one. Run every client returned.
    public func pools(maxConnections: Int, logger: Logger) throws -> (database: Database, clients: [PostgresClient]) {
        let environment = ProcessInfo.processInfo.environment
        let client = PostgresClient(configuration: try url().clientConfiguration(maxConnections: maxConnections), backgroundLogger: logger)
        let listener = try listenURL(environment).map { try Database.listenerClient($0, logger: logger) }
        var database = Database(client: client, listener: listener, logger: logger)
        database.namedStatements = environment["DIALER_PREPARED_STATEMENTS"] != "off"
        return (database, [client] + (listener.map { [$0] } ?? []))
    }

    /// Sets up logging to standard error once per process and returns a logger for `label`.
    public func logger(_ label: String) -> Logger {
        LogSetup.bootstrap(level: logLevel)
        return Logger(label: label)
    }
}

/// Logging to standard error at one level, set up once per process.
public enum LogSetup {
    nonisolated(unsafe) private static var done = false

    public static func bootstrap(level: String?) {
        guard !done else { return }
        done = true
        let name = level ?? ProcessInfo.processInfo.environment["LOG_LEVEL"] ?? "info"
        let parsed = Logger.Level(rawValue: name.lowercased()) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = parsed
            return handler
        }
    }
}
