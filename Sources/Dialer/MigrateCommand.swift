import ArgumentParser
import DialerServices
import Foundation
import Store

/// `dialer migrate`: applies the migrations the binary carries.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply pending schema migrations (safe to run from many processes at once).",
        discussion: """
            The migrations are the numbered files of sql/, built into this binary. Each is applied \
            in its own transaction and recorded with its checksum in dialer.schema_migrations; an \
            applied migration whose file has since changed is refused.

            Examples:
              dialer migrate            apply what is pending
              dialer migrate --status   list applied and pending versions, change nothing
            """
    )

    @OptionGroup var database: DatabaseOptions

    @Flag(help: "List applied and pending versions without applying anything.")
    var status = false

    func run() async throws {
        let logger = database.logger("dialer.migrate")
        let url = try database.url()
        let showStatus = status
        try await Database.run(url: url, maxConnections: 2, logger: logger) { db in
            let migrator = Migrator(database: db)
            if showStatus {
                let status = try await migrator.status()
                var rows = status.applied.map {
                    ["\($0.version)", $0.name, "applied", ISO8601DateFormatter().string(from: $0.appliedAt), String($0.checksum.prefix(12))]
                }
                rows += status.pending.map { ["\($0.version)", $0.name, "pending", "", String($0.checksum.prefix(12))] }
                print(Table(header: ["version", "name", "state", "applied_at", "checksum"], rows: rows).render())
                print("\(status.applied.count) applied, \(status.pending.count) pending")
            } else {
                let applied = try await migrator.migrate()
                if applied.isEmpty {
                    print("schema is up to date (\(MigrationSource.embedded.count) migrations)")
                } else {
                    for migration in applied { print("applied \(migration.version) \(migration.name)") }
                }
            }
        }
    }
}
