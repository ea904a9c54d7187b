import Demo
import Foundation
import Store
import TestSupport
import Testing

/// The throwaway cluster `dialer-lab demo`, `dialer-lab chaos` and `dialer-lab bench soak` run on.
@Suite struct EphemeralPostgresTests {
    /// The server pg_ctl starts must hold nothing of the process that started it. Before, it
    /// kept every descriptor open at the time: after a restart in `dialer-lab chaos`, the Sandboxes'
    /// sockets outlived their close (a peer never saw it), and a `--keep` demo's ports stayed bound.
    @Test func theServerInheritsNoneOfOurDescriptorsAndRestartsAndIsRemoved() async throws {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        let (readEnd, writeEnd) = (ends[0], ends[1])
        defer { close(readEnd) }

        let cluster = try EphemeralPostgres.start(fast: true)
        defer { cluster.stop() }
        try cluster.restart()  // the restart spawns a new server: it must not inherit either
        close(writeEnd)
        // With the write end closed here, only the server could still hold it open: a read
        // would then find no data and no end of file.
        _ = fcntl(readEnd, F_SETFL, fcntl(readEnd, F_GETFL) | O_NONBLOCK)
        var byte: UInt8 = 0
        let read = Glibc.read(readEnd, &byte, 1)
        #expect(read == 0, "the Postgres server holds this process's pipe (read \(read), errno \(errno))")

        let answer = try await Database.run(url: DatabaseURL(cluster.url), maxConnections: 1, logger: TestDatabase.testLogger) { db in
            try await db.scalar("SELECT 41 + 1", as: Int.self)
        }
        #expect(answer == 42)
        cluster.stop()
        #expect(!FileManager.default.fileExists(atPath: cluster.directory))
    }
}
