import ArgumentParser
import Logging

/// The `dialer` command: every operator and service entry point.
@main
struct Dialer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dialer",
        abstract: "A Postgres-backed batch dialer: Salesforce contacts in, Twilio calls out, one Task per call back.",
        discussion: """
            Every command reads the database from DATABASE_URL (or --database-url).

            Example:
              export DATABASE_URL=postgres://dialer@localhost:5432/dialer
              dialer migrate && dialer worker
            """,
        subcommands: [
            MigrateCommand.self, CampaignCommand.self, RulesCommand.self, WorkerCommand.self, ServeCommand.self, StatusCommand.self, JobsCommand.self,
            TasksCommand.self, DemoCommand.self, ChaosCommand.self, CheckCommand.self, BenchCommand.self,
        ]
    )
}

/// The database every command talks to.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .customLong("database-url"), help: "Postgres URL; defaults to $DATABASE_URL. Use ?host=/dir for a unix socket.")
    var databaseURL: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (or $LOG_LEVEL).")
    var logLevel: String?

    func url() throws -> DatabaseURL {
        if let databaseURL { return try DatabaseURL(databaseURL) }
        return try DatabaseURL.fromEnvironment()
    }

    /// Sets up logging to standard error once per process and returns a logger for `label`.
    func logger(_ label: String) -> Logger {
        LogSetup.bootstrap(level: logLevel)
        return Logger(label: label)
    }
}

import Foundation
import Store

enum LogSetup {
    nonisolated(unsafe) private static var done = false

    static func bootstrap(level: String?) {
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
