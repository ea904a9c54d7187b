import Foundation
import Logging
import PostgresNIO
import Queue
import ServiceLifecycle
import Store

/// Ends a long-lived process whose Postgres pool has stopped answering while Postgres itself
/// answers, so that its supervisor starts a fresh one.
///
/// A pool that waits across an outage is right: its requests go through once Postgres is
/// back. But across a Postgres restart the chaos run saw a `dialer serve`'s pool never answer
/// again: every status callback for six minutes was given up on by the answer deadline, while
/// the workers, with pools of their own, went on. No request to such a pool fails, so nothing
/// else notices. Every `interval` this sends `SELECT 1` through the pool; when that has not
/// answered within `probeTimeout` while a connection of its own to the same URL answers at
/// once, for `patience` in a row, it throws ``DatabasePoolStopped``: the service group shuts
/// down gracefully (a `serve` drains its calls as on SIGTERM), and the process exits non-zero.
/// `DIALER_POOL_PATIENCE` sets the patience in seconds; 0 turns the watchdog off.
public struct DatabasePoolWatchdog: Service {
    public let database: Database
    public let url: DatabaseURL
    public var interval: Duration = .seconds(5)
    public var probeTimeout: Duration = .seconds(5)
    public var patience: Duration = .seconds(60)
    /// How long the graceful shutdown may take before the process exits regardless (the
    /// shutdown itself may wait on the stopped pool): a `serve`'s drain and a minute more.
    /// Nil (a test's watchdog): never.
    public var shutdownLimit: Duration?
    public let logger: Logger

    public init(database: Database, url: DatabaseURL, logger: Logger) {
        self.database = database
        self.url = url
        self.logger = logger
    }

    /// The watchdog the environment asks for, or nil when `DIALER_POOL_PATIENCE` is 0.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment,
        database: Database,
        url: DatabaseURL,
        logger: Logger
    ) throws -> DatabasePoolWatchdog? {
        var watchdog = DatabasePoolWatchdog(database: database, url: url, logger: logger)
        watchdog.shutdownLimit = .seconds(360)
        guard let text = environment["DIALER_POOL_PATIENCE"], !text.isEmpty else { return watchdog }
        if Double(text) == 0 { return nil }
        watchdog.patience = try WorkerConfiguration.seconds(text, name: "DIALER_POOL_PATIENCE")
        return watchdog
    }

    public func run() async throws {
        try await cancelWhenGracefulShutdown { try await watch() }
    }

    func watch() async throws {
        var stoppedSince: ContinuousClock.Instant?
        while !Task.isCancelled {
            guard (try? await Task.sleep(for: interval)) != nil else { return }
            guard await poolHangs(), await Self.freshConnectionAnswers(url, within: probeTimeout, logger: logger) else {
                stoppedSince = nil
                continue
            }
            let since = stoppedSince ?? .now
            stoppedSince = since
            let silent = ContinuousClock.now - since + probeTimeout
            logger.warning("the Postgres pool did not answer while a new connection did", metadata: ["for": "\(silent)"])
            if silent >= patience {
                logger.critical(
                    "the Postgres pool has not answered for \(silent) while Postgres answers a new connection at once: shutting down for the supervisor to start a fresh process"
                )
                if let limit = shutdownLimit {
                    Task.detached { [logger] in
                        try await Task.sleep(for: limit)
                        logger.critical("the graceful shutdown took longer than \(limit): exiting")
                        exit(DatabasePoolStopped.exitCode)
                    }
                }
                throw DatabasePoolStopped(silent: silent)
            }
        }
    }

    /// True when `SELECT 1` through the pool did not end within `probeTimeout`. An error is
    /// an answer: the pool reports what Postgres said.
    func poolHangs() async -> Bool {
        let client = database.client
        do {
            _ = try await withDeadline(probeTimeout, "the pool's SELECT 1") { try await client.query("SELECT 1").collect().count }
            return false
        } catch is DeadlineExceeded {
            return true
        } catch {
            return false
        }
    }

    /// Whether a client of its own, one connection, gets `SELECT 1` answered within `limit`.
    /// Its run is cancelled and not awaited: a client that cannot connect may not end soon.
    static func freshConnectionAnswers(_ url: DatabaseURL, within limit: Duration, logger: Logger) async -> Bool {
        guard let configuration = try? url.clientConfiguration(maxConnections: 1) else { return false }
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        let running = Task { await client.run() }
        defer { running.cancel() }
        return (try? await withDeadline(limit, "a new connection's SELECT 1") { try await client.query("SELECT 1").collect().count }) == 1
    }
}

/// A process's Postgres pool stopped answering while Postgres answered (``DatabasePoolWatchdog``).
public struct DatabasePoolStopped: Error, CustomStringConvertible {
    /// EX_TEMPFAIL: try again, in a fresh process.
    public static let exitCode: Int32 = 75
    public let silent: Duration
    public var description: String {
        "the Postgres pool had not answered for \(silent) while Postgres answered a new connection; a fresh process is needed"
    }

    /// Runs a process's service group, and exits with ``exitCode`` when it ended for this.
    public static func exitingWithItsCode(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let stopped as DatabasePoolStopped {
            FileHandle.standardError.write(Data("dialer: \(stopped)\n".utf8))
            exit(exitCode)
        }
    }
}
