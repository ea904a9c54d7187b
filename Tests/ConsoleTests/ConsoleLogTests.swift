import Console
import Foundation
import Logging
import Store
import Synchronization
import TestSupport
import Testing

/// Keys and session cookies never reach the logs, even at trace level.
@Suite struct ConsoleLogTests {
    @Test func neitherTheKeyNorTheSessionIdIsLogged() async throws {
        try await TestDatabase.withFresh { db, _ in
            let fixture = try await ConsoleFixture.make(db)
            let (_, token) = try await APIKeyStore(database: db).create(name: "ops", scopes: [.read, .campaignsWrite])
            let logs = CapturedLines()
            var logger = Logger(label: "console.test") { _ in CapturingHandler(lines: logs) }
            logger.logLevel = .trace
            try await ConsoleServer.with(db, logger: logger) { console in
                _ = try await console.signIn("dk_" + String(token.dropFirst(3).reversed()))
                let session = try #require(try await console.signIn(token).session)
                let page = try await console.get(fixture.path, session: session)
                let csrf = try #require(page.csrf)
                _ = try await console.post(fixture.path + "/pause", form: ["csrf": csrf], session: session)
                _ = try await console.post(fixture.path + "/resume", form: ["csrf": "wrong"], session: session)
                _ = try await console.get("/console/calls/\(fixture.callSID)", session: session)
                _ = try await console.post("/console/sign-out", form: ["csrf": csrf], session: session)
                let lines = logs.all
                #expect(!lines.isEmpty, "the test must see the logs it checks")
                for secret in [token, String(token.dropFirst(3)), session, csrf] {
                    #expect(!lines.contains { $0.contains(secret) }, "a secret reached the log")
                }
            }
        }
    }
}

final class CapturedLines: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}

private struct CapturingHandler: LogHandler {
    let lines: CapturedLines
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        lines.append("\(event.level) \(event.message) \(merged.map { "\($0)=\($1)" }.sorted().joined(separator: " "))")
    }
}
