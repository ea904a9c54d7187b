import Foundation
import Store
import TestSupport
import Testing

/// sql/schema.sql is the schema to read; the migrations are what makes it. The file must be
/// exactly what they make (`ops/schema-dump` of a migrated database), or it is stale.
@Suite struct SchemaFileTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func schemaSQLIsWhatTheMigrationsMake() async throws {
        try await TestDatabase.withFresh { _, url in
            let dump = ChildProcess(Self.root.appendingPathComponent("ops/schema-dump"), arguments: [url.connectionString])
            try dump.start()
            #expect(await dump.wait(timeout: .seconds(60)) == 0, "\(dump.text)")
            let file = try String(contentsOf: Self.root.appendingPathComponent("sql/schema.sql"), encoding: .utf8)
            // The file's header (comment lines and the blank line after them) is not in a dump.
            let body = file.split(separator: "\n", omittingEmptySubsequences: false).drop { $0.hasPrefix("--") }.dropFirst().joined(separator: "\n")
            #expect(!body.isEmpty && body.contains("CREATE TABLE dialer.jobs"))
            let (wanted, found) = (
                dump.text.split(separator: "\n", omittingEmptySubsequences: false), body.split(separator: "\n", omittingEmptySubsequences: false)
            )
            let first = Array(zip(wanted, found)).firstIndex { $0.0 != $0.1 } ?? min(wanted.count, found.count)
            #expect(
                body == dump.text,
                "sql/schema.sql does not match the migrations from its line \(first + 4) (\(found.count) lines, the migrations make \(wanted.count)): run ops/schema"
            )
        }
    }
}
