import Demo
import Foundation
import Logging
import Salesforce
import Sandbox
import Store

/// `dialer chaos`: a campaign against the Sandboxes while processes die, Postgres restarts
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
        var initial = ChaosReport(settings: settings)
        let cluster = try EphemeralPostgres.start(fast: false)
        defer { cluster.stop() }
        let url = try DatabaseURL(cluster.url)
        try await Database.run(url: url, maxConnections: 2, logger: logger) { db in try await Migrator(database: db).migrate() }

        let keys = try ConnectedAppKeys.generate()
        let salesforce = SandboxSalesforce(configuration: .init(
            clientID: "3MVG9dialerChaosConsumerKey", username: "chaos@dialer.test", publicKeyPEM: keys.publicKeyPEM, pageSize: 200
        ))
        salesforce.seedContacts(settings.contacts, seed: settings.seed)
        var twilioConfiguration = SandboxTwilio.Configuration(
            accountSID: "ACchaos000000000000000000000000000", authToken: UUID().uuidString, ownedNumbers: ["+14155550100"]
        )
        twilioConfiguration.callsPerSecond = settings.rate
        // Few conversations (each runs the embedded recognizer): the chaos is in the plumbing.
        twilioConfiguration.outcomeMix = [
            .init(.human, weight: 8), .init(.machine, weight: 20), .init(.busy, weight: 25), .init(.noAnswer, weight: 25),
            .init(.failed, weight: 17), .init(.refused(status: 400, code: 21217), weight: 5),
        ]
        twilioConfiguration.defaultCalleeScript = .says("no")
        twilioConfiguration.timing.ring = .milliseconds(800)
        twilioConfiguration.timing.talk = .seconds(2)
        let twilio = SandboxTwilio(configuration: twilioConfiguration)
        defer { twilio.shutdown() }
        let (accountSID, authToken) = (twilioConfiguration.accountSID, twilioConfiguration.authToken)
        let directory = NSTemporaryDirectory() + "dialer-chaos-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        initial.logDirectory = directory
        let firstReport = initial

        return try await withLoopbackServer(salesforce.router(), logger: logger) { salesforcePort in
            salesforce.baseURL = "http://127.0.0.1:\(salesforcePort)"
            return try await withLoopbackServer(twilio.router(), logger: logger) { twilioPort in
                let port = try LoopbackPort.unused()
                let publicURL = "http://127.0.0.1:\(port)"
                let environment = [
                    "DATABASE_URL": url.connectionString, "LOG_LEVEL": "warning",
                    "SALESFORCE_CLIENT_ID": "3MVG9dialerChaosConsumerKey", "SALESFORCE_USERNAME": "chaos@dialer.test",
                    "SALESFORCE_LOGIN_URL": salesforce.baseURL, "SALESFORCE_PRIVATE_KEY": keys.privateKeyPEM,
                    "TWILIO_ACCOUNT_SID": accountSID, "TWILIO_AUTH_TOKEN": authToken,
                    "TWILIO_BASE_URL": "http://127.0.0.1:\(twilioPort)", "DIALER_PUBLIC_URL": publicURL,
                    "TWILIO_CALLS_PER_SECOND": "\(settings.rate)", "DIALER_RECONCILE_CALLS_AFTER": "8",
                    "DIALER_FINALIZE_STREAM_WAIT": "5", "DIALER_TASK_SYNC_LEASE": "20", "DIALER_RECONCILE_AFTER": "60",
                    // Calls are judged by when the Sandbox, in this busy process, logged them. Three
                    // dialer processes, Postgres, both Sandboxes and the callees share two cores
                    // here, and a create the Sandbox handles 50 ms late puts 21 in a second at 5 %
                    // headroom (seen once in four runs): 10 % covers the receiver's own jitter.
                    "DIALER_RATE_HEADROOM": "0.1",
                    // 15:00 in New York is 09:00 in Honolulu: every zone's window is open for hours,
                    // whatever the hour the run starts.
                    "DIALER_WINDOW_CLOCK_START": ISO8601DateFormatter().string(from: DemoClock(factor: 1, easternHour: 15, minute: 0).now()),
                ]
                let processes = ChaosProcesses(
                    executable: URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath(), environment: environment,
                    directory: directory,
                    specs: [
                        .init(name: "worker-1", arguments: ["worker", "--lease", "5", "--concurrency", "60"]),
                        .init(name: "worker-2", arguments: ["worker", "--lease", "5", "--concurrency", "60"]),
                        .init(name: "serve", arguments: ["serve", "--port", "\(port)"]),
                    ]
                )
                var report = firstReport
                try processes.startAll()
                let campaignID = try await createCampaign(url: url)
                progress("campaign of \(settings.contacts) contacts at \(settings.rate) calls/s; faults for \(Int(settings.chaosSeconds)) s")
                try await inflict(&report, processes: processes, cluster: cluster, salesforce: salesforce, twilio: twilio, progress: progress)
                salesforce.faults = .init()
                twilio.faults = .init()
                progress("faults over; waiting for the campaign to settle (at most \(Int(settings.settleSeconds)) s)")
                report.settled = try await settle(url: url, campaignID: campaignID, processes: processes, progress: progress)
                await processes.stopAll()
                await twilio.settle()
                report.starts = processes.startCounts
                report.violations = try await ChaosInvariants(url: url, campaignID: campaignID, rate: settings.rate, logger: logger)
                    .check(salesforce: salesforce, twilio: twilio, into: &report)
                return report
            }
        }
    }

    func createCampaign(url: DatabaseURL) async throws -> Int64 {
        try await Database.run(url: url, maxConnections: 2, logger: logger) { db in
            let query = SOQLQuery(fields: SalesforceContact.fields, object: "Contact", condition: try SOQLParser.parseCondition("LastName != null"))
            var campaign = NewCampaign(name: "chaos", soql: query.soql, fromNumber: "+14155550100")
            campaign.ratePerSecond = settings.rate
            campaign.maxConcurrentCalls = 100
            campaign.maxAttempts = 2
            campaign.retryDelays = ["busy": 3, "no-answer": 3, "machine": 3, "failed": 3]
            // No campaign window narrower than the quiet hours: windows are the demo's concern.
            campaign.windowStart = "00:00"
            campaign.windowEnd = "23:59"
            return try await CampaignStore(database: db).create(campaign)
        }
    }

    /// The faults, one every 1.5–4 s until the time is up: every other one a process killed
    /// at random, the others each service fault in turn; Postgres restarted once midway.
    func inflict(
        _ report: inout ChaosReport, processes: ChaosProcesses, cluster: EphemeralPostgres, salesforce: SandboxSalesforce,
        twilio: SandboxTwilio, progress: @Sendable (String) -> Void
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
                if processes.kill(name) { report.kills[name, default: 0] += 1 }
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

    /// Until every contact is settled and every ended call's Task written, restarting any
    /// process that died; false when the time ran out.
    func settle(
        url: DatabaseURL, campaignID: Int64, processes: ChaosProcesses, progress: @Sendable (String) -> Void
    ) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(settings.settleSeconds)
        return try await Database.run(url: url, maxConnections: 2, logger: logger) { db in
            var lastLine = ""
            while ContinuousClock.now < deadline {
                let rows = try await db.client.query(
                    """
                    SELECT (SELECT count(*) FROM dialer.contacts WHERE campaign_id = \(campaignID) AND skip_reason IS NULL AND outcome IS NULL)::int,
                           (SELECT count(*) FROM dialer.task_syncs WHERE state = 'pending')::int,
                           (SELECT count(*) FROM dialer.contacts WHERE campaign_id = \(campaignID))::int,
                           (SELECT status FROM dialer.campaigns WHERE id = \(campaignID))
                    """,
                    logger: logger
                )
                for try await (open, pending, contacts, status) in rows.decode((Int, Int, Int, String).self) {
                    let line = "contacts \(contacts), without an outcome \(open), Task syncs pending \(pending)"
                    if line != lastLine { progress("  " + line); lastLine = line }
                    if status == "active", contacts > 0, open == 0, pending == 0 { return true }
                }
                _ = try? processes.restartDead()
                try await Task.sleep(for: .seconds(1))
            }
            return false
        }
    }
}
