import Demo
import DialerServices
import Foundation
import Logging
import PostgresNIO
import Sandbox
import Store

/// `dialer-lab bench pacing`: P pacing workers (`dialer worker` as the factory builds it, with an observer) dial a campaign through a Sandbox
/// Twilio at the account rate R; the Sandbox's own request log says what rate it saw.
struct PacingBenchmark: Sendable {
    struct Settings: Sendable {
        var rate: Double
        var processes: Int
        var seconds: Double
        var concurrency: Int
    }

    static let accountSID = "ACbench00000000000000000000000000"
    static let from = "+14155550100"

    let url: DatabaseURL
    let settings: Settings
    let logger: Logger

    func run(progress: @escaping @Sendable (String) -> Void) async throws -> PacingReport {
        let token = UUID().uuidString
        var configuration = SandboxTwilio.Configuration(accountSID: Self.accountSID, authToken: token, ownedNumbers: [Self.from])
        configuration.simulatesCalls = false
        let sandbox = SandboxTwilio(configuration: configuration)
        return try await withLoopbackServer(sandbox.router(), logger: logger) { port in
            try await Database.run(url: url, maxConnections: 4, logger: logger) { db in
                try await Migrator(database: db).migrate()
                var report = PacingReport(settings: settings, postgres: try await QueueBenchmark.postgresSettings(db))
                let contacts = Int(settings.rate * (settings.seconds + 15))
                progress("seeding a campaign of \(contacts) contacts")
                let campaign = try await db.seedDialableCampaign(
                    name: "bench-pacing-\(Int(Date().timeIntervalSince1970))",
                    contacts: contacts,
                    ratePerSecond: settings.rate * 10
                )
                return try await db.removingBenchmarkCampaign(campaign) {
                    try await measure(&report, sandbox: sandbox, port: port, token: token, db: db, progress: progress)
                    return report
                }
            }
        }
    }

    func measure(
        _ report: inout PacingReport,
        sandbox: SandboxTwilio,
        port: Int,
        token: String,
        db: Database,
        progress: @escaping @Sendable (String) -> Void
    ) async throws {
        try await db.client.query("DELETE FROM dialer.rate_limits WHERE key = \("twilio:\(Self.accountSID)")", logger: logger)

        let statsDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("dialer-pacing-\(token)")
        try FileManager.default.createDirectory(at: statsDirectory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: statsDirectory) }
        progress("starting \(settings.processes) worker process(es) at \(settings.rate) calls/s")
        let workers = try (0..<settings.processes).map { index in
            try startWorker(sandboxPort: port, token: token, stats: statsDirectory.appendingPathComponent("\(index).json").path)
        }
        defer { for worker in workers where worker.isRunning { worker.terminate() } }
        Self.raiseOwnPriority()

        while sandbox.callCreateInstants.isEmpty {
            try await Task.sleep(for: .milliseconds(20))
        }
        let start = ContinuousClock.now
        while ContinuousClock.now - start < .seconds(settings.seconds) {
            try await Task.sleep(for: .seconds(min(5, settings.seconds)))
            Self.raiseOwnPriority()  // threads started since
            let elapsed = (ContinuousClock.now - start).seconds
            progress(String(format: "%5.1f s: %d calls", elapsed, sandbox.callCreateInstants.count))
        }
        for worker in workers {
            worker.terminate()
            worker.waitUntilExit()
        }
        report.creates = sandbox.callCreateInstants
        report.refused = sandbox.requests.filter { $0.path.hasSuffix("/Calls.json") && $0.status >= 400 }.count
        for index in 0..<settings.processes {
            let data = try Data(contentsOf: statsDirectory.appendingPathComponent("\(index).json"))
            report.add(try JSONDecoder().decode(PacingRecorder.Figures.self, from: data))
        }
        report.duplicateNumbers = sandbox.calls.count - Set(sandbox.calls.map(\.to)).count
        // How long after its slot (database clock) each create reached the Sandbox (local clock).
        let slots = try await db.client.query(
            "SELECT to_e164, extract(epoch FROM slot_at)::float8 FROM dialer.call_attempts WHERE state = 'placed' AND slot_at IS NOT NULL",
            logger: logger
        )
        var slotByNumber: [String: Double] = [:]
        for try await (to, slot) in slots.decode((String, Double).self) { slotByNumber[to] = slot }
        for request in sandbox.requests where request.status == 201 {
            guard let to = request.form["To"]?.first, let slot = slotByNumber[to] else { continue }
            report.arrivalAfterSlotMs.append((request.receivedAt.timeIntervalSince1970 - slot) * 1000)
        }
        progress("baseline: a bare round trip and an uncontended reservation, same pool")
        report.baselineRoundTripMs = try await Self.timings(200) { try await db.client.query("SELECT 1", logger: logger) }
        let limiter = CallRateLimiter(database: db)
        report.baselineReserveMs = try await Self.timings(200) {
            _ = try await limiter.reserve(key: "bench:baseline", callsPerSecond: 1e6, maxWait: .seconds(1))
        }
        try await db.client.query("DELETE FROM dialer.rate_limits WHERE key = 'bench:baseline'", logger: logger)
    }

    func startWorker(sandboxPort: Int, token: String, stats: String) throws -> Process {
        let worker = Process()
        worker.executableURL = DialerBinary.lab
        worker.arguments = ["pacing-worker", "--stats-file", stats, "--concurrency", "\(settings.concurrency)", "--shutdown-deadline", "3"]
        worker.environment = ProcessInfo.processInfo.environment.merging([
            "DATABASE_URL": url.connectionString, "LOG_LEVEL": "error",
            "TWILIO_ACCOUNT_SID": Self.accountSID, "TWILIO_AUTH_TOKEN": token, "TWILIO_BASE_URL": "http://127.0.0.1:\(sandboxPort)",
            "TWILIO_CALLS_PER_SECOND": "\(settings.rate)", "DIALER_PUBLIC_URL": "http://127.0.0.1:9",
        ]) { _, new in new }
        try worker.run()
        return worker
    }

    /// The Sandbox plays Twilio, which has machines of its own; here it shares the cores with
    /// the workers and Postgres. Its threads (not the workers, started before) get a higher
    /// priority so that when a create arrives is measured, not when this process got a core.
    /// Linux sets nice values per thread, hence every task of /proc/self. Needs root (or
    /// CAP_SYS_NICE); without it the run goes on at normal priority.
    static func raiseOwnPriority() {
        guard let tasks = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task") else { return }
        for task in tasks {
            if let tid = id_t(task) { _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), tid, -10) }
        }
    }

    static func timings(_ count: Int, _ body: () async throws -> Void) async throws -> [Double] {
        var samples: [Double] = []
        for _ in 0..<count {
            let start = ContinuousClock.now
            try await body()
            samples.append((ContinuousClock.now - start).milliseconds)
        }
        return samples
    }
}
