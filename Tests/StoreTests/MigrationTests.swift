import Foundation
import PostgresNIO
import Store
import TestSupport
import Testing

@Suite struct MigrationTests {
    @Test func appliesEveryMigrationOnceAndRecordsChecksums() async throws {
        try await TestDatabase.withEmpty { db, _ in
            let migrator = Migrator(database: db)
            let before = try await migrator.status()
            #expect(before.applied.isEmpty)
            #expect(before.pending.map(\.version) == MigrationSource.embedded.map(\.version))

            let applied = try await migrator.migrate()
            #expect(applied.count == MigrationSource.embedded.count)
            #expect(try await migrator.migrate().isEmpty)

            let after = try await migrator.status()
            #expect(after.pending.isEmpty)
            #expect(after.applied.map(\.checksum) == MigrationSource.embedded.map(\.checksum))
            #expect(try await db.scalar("SELECT count(*)::int FROM dialer.jobs", as: Int.self) == 0)
        }
    }

    @Test func refusesAnAppliedMigrationWhoseFileChanged() async throws {
        try await TestDatabase.withFresh { db, _ in
            var sources = MigrationSource.embedded
            let first = sources[0]
            sources[0] = MigrationSource(version: first.version, name: first.name, sql: first.sql + "\n-- edited after release\n")
            let migrator = Migrator(database: db, sources: sources)
            await #expect(throws: MigrationError.self) { try await migrator.migrate() }
            await #expect(throws: MigrationError.self) { try await migrator.status() }
            do {
                try await migrator.requireUpToDate()
                Issue.record("a changed checksum must refuse to start")
            } catch let error as MigrationError {
                guard case .checksumMismatch(let version, _, _, _) = error else {
                    Issue.record("wrong error: \(error)")
                    return
                }
                #expect(version == first.version)
                #expect(error.description.contains("never change"))
            }
        }
    }

    @Test func refusesADatabaseNewerThanTheBinary() async throws {
        try await TestDatabase.withFresh { db, _ in
            let older = Migrator(database: db, sources: Array(MigrationSource.embedded.dropLast()))
            await #expect(
                throws: MigrationError.unknownVersion(version: MigrationSource.embedded.last!.version, name: MigrationSource.embedded.last!.name)
            ) {
                try await older.status()
            }
        }
    }

    /// Roles are the cluster's: a migration that creates one can lose the race to another
    /// database's migration, which the per-database advisory lock does not stop.
    @Test func aMigrationThatLosesARoleToAnotherDatabaseRunsAgainAndApplies() async throws {
        let role = "dialer_race_\(UInt32.random(in: 0...UInt32.max))"
        let source = MigrationSource(
            version: 1,
            name: "race",
            sql: """
                DO $$
                BEGIN
                    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '\(role)') THEN
                        CREATE ROLE \(role) NOLOGIN;
                    END IF;
                END
                $$;
                """
        )
        try await TestDatabase.withEmpty { db, _ in
            try await db.client.withConnection { rival in
                // The other database's migration: its CREATE ROLE is made but not yet committed,
                // so ours passes the IF NOT EXISTS and then waits on the catalog's unique index.
                try await rival.query("BEGIN", logger: db.logger)
                try await rival.query(PostgresQuery(unsafeSQL: "CREATE ROLE \(role) NOLOGIN"), logger: db.logger)
                async let migrated = Migrator(database: db, sources: [source]).migrate()
                var waiting = 0
                for _ in 0..<200 where waiting == 0 {
                    try await Task.sleep(for: .milliseconds(25))
                    waiting = try await db.scalar(
                        "SELECT count(*)::int FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%CREATE ROLE%'",
                        as: Int.self
                    )
                }
                #expect(waiting == 1, "our CREATE ROLE never waited for the rival's")
                try await rival.query("COMMIT", logger: db.logger)
                let applied = try await migrated
                #expect(applied.map(\.version) == [1])
            }
            #expect(try await db.scalar("SELECT count(*)::int FROM dialer.schema_migrations", as: Int.self) == 1)
            try await db.client.query(PostgresQuery(unsafeSQL: "DROP ROLE \(role)"))
        }
    }

    @Test func servicesRefuseToStartWithPendingMigrations() async throws {
        try await TestDatabase.withEmpty { db, _ in
            await #expect(throws: MigrationError.pending(version: 1, count: MigrationSource.embedded.count)) {
                try await Migrator(database: db).requireUpToDate()
            }
        }
    }

    @Test func threeProcessesMigratingAtOnceApplyEachMigrationExactlyOnce() async throws {
        try await TestDatabase.withEmpty { db, url in
            let children = (0..<3).map { _ in
                ChildProcess(Products.path("dialer"), arguments: ["migrate"], environment: ["DATABASE_URL": url.connectionString])
            }
            for child in children { try child.start() }
            for child in children {
                #expect(await child.wait(timeout: .seconds(60)) == 0, "\(child.text)")
            }
            let appliedLines = children.map { $0.text.components(separatedBy: "\n").filter { $0.hasPrefix("applied ") }.count }
            #expect(appliedLines.reduce(0, +) == MigrationSource.embedded.count, "\(children.map(\.text))")
            #expect(try await db.scalar("SELECT count(*)::int FROM dialer.schema_migrations", as: Int.self) == MigrationSource.embedded.count)
        }
    }

    @Test func migrateStatusListsAppliedAndPendingVersions() async throws {
        try await TestDatabase.withEmpty { _, url in
            let environment = ["DATABASE_URL": url.connectionString]
            let before = ChildProcess(Products.path("dialer"), arguments: ["migrate", "--status"], environment: environment)
            try before.start()
            #expect(await before.wait(timeout: .seconds(30)) == 0)
            #expect(before.text.contains("0 applied, \(MigrationSource.embedded.count) pending"), "\(before.text)")
            let firstRow = before.text.split(separator: "\n").first { $0.hasPrefix("1 ") }
            #expect(firstRow?.split(separator: " ", omittingEmptySubsequences: true).prefix(3) == ["1", "jobs", "pending"], "\(before.text)")

            let migrate = ChildProcess(Products.path("dialer"), arguments: ["migrate"], environment: environment)
            try migrate.start()
            #expect(await migrate.wait(timeout: .seconds(30)) == 0)

            let after = ChildProcess(Products.path("dialer"), arguments: ["migrate", "--status"], environment: environment)
            try after.start()
            #expect(await after.wait(timeout: .seconds(30)) == 0)
            #expect(after.text.contains("\(MigrationSource.embedded.count) applied, 0 pending"), "\(after.text)")
        }
    }
}
