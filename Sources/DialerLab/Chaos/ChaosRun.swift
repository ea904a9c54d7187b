import Demo
import DialerServices
import Foundation
import Logging
import Salesforce
import Sandbox
import Store

/// `dialer-lab chaos`: a campaign against the Sandboxes while processes die, Postgres restarts
/// and both services fail, then every invariant checked from SQL and the Sandboxes' records.
struct ChaosRun: Sendable {
    struct Settings: Sendable {
        var contacts = 1_000
        /// How long the faults go on; the campaign then gets `settle` to finish.
        var chaosSeconds = 60.0
        var settleSeconds = 240.0
        var rate = 20.0
        var seed: UInt64 = 11
    }

    let settings: Settings
    let logger: Logger

    func run(progress: @escaping @Sendable (String) -> Void) async throws -> ChaosReport {
        try await EphemeralPostgres.with { cluster in try await run(on: cluster, progress: progress) }
    }

    func run(on cluster: EphemeralPostgres, progress: @escaping @Sendable (String) -> Void) async throws -> ChaosReport {
        let firstReport = ChaosReport(settings: settings)
        let url = try DatabaseURL(cluster.url)
        try await Database.run(url: url, maxConnections: 2, logger: logger) { db in try await Migrator(database: db).migrate() }

        let sandboxed = SandboxedDialer.Settings(
            contacts: settings.contacts,
            rate: settings.rate,
            seed: settings.seed,
            environment: SandboxedDialer.faultRunTimings.merging(["DIALER_RECONCILE_AFTER": "60"]) { _, new in new }
        )
        return try await SandboxedDialer.with(sandboxed, url: url, logger: logger) { stack in
            let processes = stack.processes([SandboxedDialer.worker("worker-1"), SandboxedDialer.worker("worker-2"), stack.serve()])
            var report = firstReport
            report.logDirectory = stack.directory
            progress("throwaway cluster at \(cluster.directory); process logs in \(stack.directory)")
            try processes.startAll()
            let campaignID = try await SandboxedDialer.createCampaign(url: url, name: "chaos", rate: settings.rate, logger: logger)
            progress("campaign of \(settings.contacts) contacts at \(settings.rate) calls/s; faults for \(Int(settings.chaosSeconds)) s")
            try await inflict(&report, processes: processes, cluster: cluster, salesforce: stack.salesforce, twilio: stack.twilio, progress: progress)
            stack.salesforce.faults = .init()
            stack.twilio.faults = .init()
            try await stack.finish(
                campaignID: campaignID,
                url: url,
                within: .seconds(settings.settleSeconds),
                processes: processes,
                rate: settings.rate,
                into: &report,
                logger: logger,
                progress: progress
            )
            report.starts = processes.startCounts
            progress("stopping the Sandboxes and the cluster")
            return report
        }
    }

    /// The faults, one every 1.5–4 s until the time is up: every other one a process killed
    /// at random, the others each service fault in turn; Postgres restarted once midway.
    func inflict(
        _ report: inout ChaosReport,
        processes: DialerProcesses,
        cluster: EphemeralPostgres,
        salesforce: SandboxSalesforce,
        twilio: SandboxTwilio,
        progress: @Sendable (String) -> Void
    ) async throws {
        var random = SystemRandomNumberGenerator()
        let start = ContinuousClock.now
        let end = start + .seconds(settings.chaosSeconds)
        var restartedPostgres = false
        var step = 0
        while ContinuousClock.now < end {
            try await Task.sleep(for: .milliseconds(Int.random(in: 1_500...4_000, using: &random)))
            report.crashes += try processes.restartDead().count
            if !restartedPostgres, ContinuousClock.now - start > .seconds(settings.chaosSeconds / 2) {
                try cluster.restart()
                restartedPostgres = true
                report.postgresRestarts += 1
                progress("Postgres restarted (fast shutdown, then start)")
                continue
            }
            step += 1
            guard step % 2 == 0 else {
                let name = processes.names.randomElement(using: &random)!
                if await processes.kill(name) { report.kills[name, default: 0] += 1 }
                try await Task.sleep(for: .milliseconds(Int.random(in: 300...1_500, using: &random)))
                try processes.start(name)
                continue
            }
            switch (step / 2) % 4 {
            case 0:
                salesforce.faults.failingFraction = Double.random(in: 0.2...0.5, using: &random)
                salesforce.expireSessions()
                report.faults["salesforce 500s and 401s", default: 0] += 1
                try await Task.sleep(for: .seconds(2))
                salesforce.faults.failingFraction = 0
            case 1:
                twilio.faults.tooManyRequests += 3
                twilio.faults.serverErrorsAfterCreating += 1
                report.faults["twilio 429s and 500s after creating", default: 0] += 1
            case 2:
                salesforce.faults.requestLimitExceeded = true
                report.faults["salesforce REQUEST_LIMIT_EXCEEDED", default: 0] += 1
                try await Task.sleep(for: .seconds(2))
                salesforce.faults.requestLimitExceeded = false
            default:
                // Longer than the client's 15 s timeout: the create's outcome is unknown.
                twilio.faults.latency = .seconds(20)
                report.faults["twilio timeouts", default: 0] += 1
                try await Task.sleep(for: .seconds(2))
                twilio.faults.latency = .zero
            }
        }
        report.crashes += try processes.restartDead().count
    }
}
