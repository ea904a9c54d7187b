import ArgumentParser
import Foundation
import Logging
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
