import Foundation
import Store
import TestSupport
import Testing

/// `dialer worker` as an operator runs it.
@Suite struct WorkerCommandTests {
    @Test func refusesToStartOnAnUnmigratedDatabaseAndSaysWhatToDo() async throws {
        try await TestDatabase.withEmpty { _, url in
            let worker = ChildProcess(Products.path("dialer"), arguments: ["worker"], environment: ["DATABASE_URL": url.connectionString])
            try worker.start()
            let status = await worker.wait(timeout: .seconds(20))
            #expect(status != nil && status != 0)
            #expect(worker.text.contains("run `dialer migrate` first"), "\(worker.text)")
        }
    }

    @Test func runsUntilSigtermThenExitsCleanly() async throws {
        try await TestDatabase.withFresh { _, url in
            // The cluster trusts local connections, so any password works: it must never be logged.
            var withPassword = url
            withPassword.password = "hunter2-secret"
            let worker = ChildProcess(
                Products.path("dialer"),
                arguments: ["worker", "--log-level", "debug"],
                environment: ["DATABASE_URL": withPassword.connectionString]
            )
            try worker.start()
            #expect(await eventually(timeout: .seconds(20)) { worker.text.contains("job runner started") }, "\(worker.text)")
            worker.signal(SIGTERM)
            #expect(await worker.wait(timeout: .seconds(20)) == 0, "\(worker.text)")
            #expect(worker.text.contains("job runner stopped"))
            #expect(!worker.text.contains("hunter2"))
        }
    }
}
