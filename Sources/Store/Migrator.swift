import Foundation
import Logging
import PostgresNIO

/// Applies the embedded migrations in order, one transaction each, recording version and
/// checksum in `dialer.schema_migrations`.
///
/// A transaction-level advisory lock serialises concurrent starters, one migration at a
/// time: the first applies, the others wait and then find nothing pending. Roles belong to
/// the whole cluster, which the lock (per database) does not cover: another database's
/// migration may create the same role between our check and our CREATE; the loser rolls back
/// and runs again, and finds the role there.
public struct Migrator: Sendable {
    /// What the database holds compared with what the binary carries.
    public struct Status: Sendable, Equatable {
        public var applied: [AppliedMigration]
        public var pending: [MigrationSource]
    }

    /// A row of `dialer.schema_migrations`.
    public struct AppliedMigration: Sendable, Equatable {
        public let version: Int
        public let name: String
        public let checksum: String
        public let appliedAt: Date
    }

    public let database: Database
    public let sources: [MigrationSource]

    /// Chosen once; any process that migrates the dialer's schema takes this lock.
    static let advisoryLockKey: Int64 = 0x6469_616C_6572  // "dialer"

    public init(database: Database, sources: [MigrationSource] = MigrationSource.embedded) {
        self.database = database
        self.sources = sources.sorted { $0.version < $1.version }
    }

    /// Applies every pending migration; returns the ones this call applied.
    @discardableResult
    public func migrate() async throws -> [MigrationSource] {
        var appliedNow: [MigrationSource] = []
        while let next = try await applyNext() {
            database.logger.info("applied migration", metadata: ["version": "\(next.version)", "name": "\(next.name)"])
            appliedNow.append(next)
        }
        return appliedNow
    }

    /// The first pending migration, applied in one transaction under the migrators' lock; nil
    /// when none is pending. The lock is the transaction's, not the session's: through a pooler
    /// in transaction mode (PgBouncer) a session lock would stay on whichever server
    /// connection took it, and the statements after it could run on another.
    func applyNext() async throws -> MigrationSource? {
        let logger = database.logger
        for attempt in 1... {
            do {
                return try await database.client.withTransaction(logger: logger) { transaction in
                    try await transaction.query("SELECT pg_advisory_xact_lock(\(Self.advisoryLockKey))", logger: logger)
                    try await Self.createLedger(transaction, logger: logger)
                    guard let next = try verify(applied: try await Self.applied(transaction, logger: logger)).first else { return nil }
                    for statement in SQLScript.statements(next.sql) {
                        try await transaction.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    try await transaction.query(
                        """
                        INSERT INTO dialer.schema_migrations (version, name, checksum)
                        VALUES (\(next.version), \(next.name), \(next.checksum))
                        """,
                        logger: logger
                    )
                    return next
                }
            } catch  where attempt < 3 && Self.lostARaceForAClusterObject(error) {
                logger.notice("a migration lost a race with another database's, running it again")
            } catch let error as PostgresTransactionError {
                throw error.closureError ?? error
            }
        }
        return nil
    }

    /// 23505 (the catalog's unique index) or 42710 (duplicate object): what a concurrent CREATE
    /// ROLE of the same name gives the second one.
    static func lostARaceForAClusterObject(_ error: any Error) -> Bool {
        PostgresFailure.sqlState(of: error).map { ["23505", "42710"].contains($0) } ?? false
    }

    /// Applied and pending versions; throws when an applied file changed or is unknown.
    public func status() async throws -> Status {
        let applied = try await database.client.withConnection { connection in
            try await Self.applied(connection, logger: database.logger)
        }
        let pending = try verify(applied: applied)
        return Status(applied: applied, pending: pending)
    }

    /// For services at start: the schema must be exactly what this binary expects.
    public func requireUpToDate() async throws {
        let status = try await status()
        if let first = status.pending.first {
            throw MigrationError.pending(version: first.version, count: status.pending.count)
        }
    }

    /// The pending sources, after checking every applied one against the binary's copy.
    func verify(applied: [AppliedMigration]) throws -> [MigrationSource] {
        let byVersion = Dictionary(uniqueKeysWithValues: sources.map { ($0.version, $0) })
        for row in applied {
            guard let source = byVersion[row.version] else {
                throw MigrationError.unknownVersion(version: row.version, name: row.name)
            }
            guard source.checksum == row.checksum else {
                throw MigrationError.checksumMismatch(
                    version: row.version,
                    name: row.name,
                    applied: row.checksum,
                    embedded: source.checksum
                )
            }
        }
        let appliedVersions = Set(applied.map(\.version))
        return sources.filter { !appliedVersions.contains($0.version) }
    }

    static func createLedger(_ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("CREATE SCHEMA IF NOT EXISTS dialer", logger: logger)
        try await connection.query(
            """
            CREATE TABLE IF NOT EXISTS dialer.schema_migrations (
                version    integer     PRIMARY KEY,
                name       text        NOT NULL,
                checksum   text        NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """,
            logger: logger
        )
    }

    static func applied(_ connection: PostgresConnection, logger: Logger) async throws -> [AppliedMigration] {
        let exists = try await connection.query(
            "SELECT to_regclass('dialer.schema_migrations') IS NOT NULL",
            logger: logger
        ).decode(Bool.self).reduce(false) { $1 }
        guard exists else { return [] }
        let rows = try await connection.query(
            "SELECT version, name, checksum, applied_at FROM dialer.schema_migrations ORDER BY version",
            logger: logger
        )
        var applied: [AppliedMigration] = []
        for try await (version, name, checksum, appliedAt) in rows.decode((Int, String, String, Date).self) {
            applied.append(AppliedMigration(version: version, name: name, checksum: checksum, appliedAt: appliedAt))
        }
        return applied
    }
}

/// Why the schema and the binary disagree.
public enum MigrationError: Error, Equatable, CustomStringConvertible {
    case checksumMismatch(version: Int, name: String, applied: String, embedded: String)
    case unknownVersion(version: Int, name: String)
    case pending(version: Int, count: Int)

    public var description: String {
        switch self {
        case let .checksumMismatch(version, name, applied, embedded):
            return
                "migration \(version) (\(name)) was applied with checksum \(applied.prefix(12)) but this binary carries \(embedded.prefix(12)): applied migrations must never change; add a new numbered file instead"
        case let .unknownVersion(version, name):
            return "the database has migration \(version) (\(name)), which this binary does not carry: run a newer dialer"
        case let .pending(version, count):
            return "\(count) migration(s) pending, starting at \(version): run `dialer migrate` first"
        }
    }
}
