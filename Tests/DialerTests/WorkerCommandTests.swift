import AsyncHTTPClient
import Foundation
import NIOCore
import Queue
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

    /// Both long-lived commands carry the pool watchdog (`DatabasePoolWatchdog`): a patience
    /// they cannot read stops them at start, naming the setting.
    @Test(arguments: [["worker"], ["serve", "--port", "9", "--public-url", "https://dialer.example.com"]])
    func refusesAPoolPatienceItCannotRead(arguments: [String]) async throws {
        try await TestDatabase.withFresh { _, url in
            let (status, output) = try await CampaignCommandTests.dialer(
                url,
                arguments,
                environment: ["DIALER_POOL_PATIENCE": "soon", "TWILIO_AUTH_TOKEN": "t"]
            )
            #expect(status != 0 && output.contains("DIALER_POOL_PATIENCE must be a number of seconds"), "\(output)")
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

    /// GET /metrics on the worker's own port: what it claimed and finished, by kind, and the
    /// queue and the Task syncs as Postgres has them, in names the alert rules use.
    @Test func servesItsMetricsOnItsOwnPort() async throws {
        try await TestDatabase.withFresh { db, url in
            let port = try LoopbackPort.unused()
            try await db.execute("INSERT INTO dialer.jobs (kind, args, run_at) VALUES ('not_run_here', '{}', now() - interval '1 minute')")
            _ = try await JobQueue(database: db).enqueue(PurgeConversationsArgs(olderThan: Date()))
            let worker = ChildProcess(
                Products.path("dialer"),
                arguments: ["worker", "--metrics-port", "\(port)"],
                environment: ["DATABASE_URL": url.connectionString]
            )
            try worker.start()
            defer { worker.signal(SIGTERM) }
            var text = ""
            let scraped = await eventually(timeout: .seconds(20)) {
                let request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/metrics")
                guard let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(5)), response.status == .ok,
                    let body = try? await response.body.collect(upTo: 1 << 20)
                else { return false }
                text = String(buffer: body)
                return text.contains(#"dialer_jobs_finished_total{kind="purge_conversations",outcome="completed"} 1"#)
            }
            #expect(scraped, "\(text)\n\(worker.text)")
            #expect(text.contains(#"dialer_jobs_claimed_total{kind="purge_conversations"} 1"#))
            #expect(text.contains(#"dialer_queue_due_jobs{kind="not_run_here"} 1"#), "\(text)")
            #expect(text.contains(#"dialer_task_syncs{state="pending"} 0"#), "\(text)")
        }
    }
}
