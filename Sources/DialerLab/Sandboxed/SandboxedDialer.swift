import Demo
import DialerServices
import Foundation
import Logging
import Salesforce
import Sandbox
import Store

/// Both Sandboxes on loopback ports of this process, seeded with a campaign's contacts, and
/// the environment that points `dialer worker` and `dialer serve` child processes at them and
/// at one database: the stack `dialer-lab chaos` breaks and `dialer-lab bench soak` loads.
struct SandboxedDialer: Sendable {
    struct Settings: Sendable {
        var contacts: Int
        var rate: Double
        var seed: UInt64 = 11
        /// Extra environment for the children.
        var environment: [String: String] = [:]
        /// How the Sandbox's callees answer; nil: mostly not, a few conversations.
        var outcomeMix: [WeightedOutcome]?
        /// Where the Sandboxes listen: loopback, or this machine's address on a private bridge
        /// the children's own hosts reach (`dialer-lab hosts`).
        var host = "127.0.0.1"
        /// The private hosts (a load balancer's) the Sandbox Twilio may call back, besides loopback.
        var reachableHosts: Set<String> = []
    }

    let salesforce: SandboxSalesforce
    let twilio: SandboxTwilio
    /// For the child processes: the database, both Sandboxes, the webhooks' public URL.
    let environment: [String: String]
    /// The port `dialer serve` is to listen on (the public URL's).
    let servePort: Int
    /// Its admin listener's (`/metrics`): a port of its own, not the default, which another
    /// `dialer serve` on this host may hold.
    let adminPort: Int
    /// Where the children's logs go.
    let directory: String

    static let from = "+14155550100"

    /// What a run that breaks things waits on, shortened so one fault costs seconds and not
    /// minutes of its settle: a Task create holds its syncs for as long as it may be in flight,
    /// 45 s with a 5 s timeout and 2 retries (`SalesforceClient.longestCreate`), not the 250 s
    /// of the defaults, so a worker killed or cut off mid-write holds them that long; a call
    /// whose media stream's server died waits 5 s for the stream, not 60; calls whose
    /// callbacks stopped are reconciled from Twilio after 8 s.
    static let faultRunTimings = [
        "DIALER_RECONCILE_CALLS_AFTER": "8", "DIALER_FINALIZE_STREAM_WAIT": "5", "DIALER_TASK_SYNC_LEASE": "15",
        "SALESFORCE_REQUEST_TIMEOUT": "5", "SALESFORCE_MAX_RETRIES": "2",
        // Calls are judged by when the Sandbox, in this busy process, logged them. Several
        // dialer processes, Postgres, both Sandboxes and the callees share two cores here, and
        // a create the Sandbox handles 50 ms late puts 21 in a second at 5 % headroom (seen
        // once in four runs), and 20 at 10 % (once in CI). 15 % leaves the receiver's own
        // jitter two calls, and still fails a pacing burst.
        "DIALER_RATE_HEADROOM": "0.15",
    ]

    static func with<Result: Sendable>(
        _ settings: Settings,
        url: DatabaseURL,
        logger: Logger,
        _ body: @Sendable (SandboxedDialer) async throws -> Result
    ) async throws -> Result {
        let keys = try ConnectedAppKeys.generate()
        let salesforce = SandboxSalesforce(
            configuration: .init(
                clientID: "3MVG9dialerSandboxedConsumerKey",
                username: "sandboxed@dialer.test",
                publicKeyPEM: keys.publicKeyPEM,
                pageSize: 200
            )
        )
        salesforce.seedContacts(settings.contacts, seed: settings.seed)
        var configuration = SandboxTwilio.Configuration(
            accountSID: "ACsandboxed00000000000000000000000",
            authToken: UUID().uuidString,
            ownedNumbers: [from]
        )
        configuration.callsPerSecond = settings.rate
        // The REST calls use an API key, as the README advises in production; the Auth Token
        // still signs the webhooks, as on Twilio.
        let apiKey = (sid: "SKsandboxed00000000000000000000000", secret: UUID().uuidString)
        configuration.apiKeys = [apiKey.sid: apiKey.secret]
        // Few conversations (each runs the embedded recognizer in dialer serve): what these
        // runs load and break is the plumbing.
        configuration.outcomeMix =
            settings.outcomeMix ?? [
                .init(.human, weight: 8), .init(.machine, weight: 20), .init(.busy, weight: 25), .init(.noAnswer, weight: 25),
                .init(.failed, weight: 17), .init(.refused(status: 400, code: 21217), weight: 5),
            ]
        configuration.defaultCalleeScript = .says("no")
        configuration.reachableHosts.formUnion(settings.reachableHosts)
        configuration.timing.ring = .milliseconds(800)
        configuration.timing.talk = .seconds(2)
        let twilio = SandboxTwilio(configuration: configuration)
        defer { twilio.shutdown() }
        let (accountSID, authToken) = (configuration.accountSID, configuration.authToken)
        let directory = NSTemporaryDirectory() + "dialer-sandboxed-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)

        let host = settings.host
        return try await withLoopbackServer(salesforce.router(), host: host, logger: logger) { salesforcePort in
            salesforce.baseURL = "http://\(host):\(salesforcePort)"
            return try await withLoopbackServer(twilio.router(), host: host, logger: logger) { twilioPort in
                let port = try LoopbackPort.unused()
                let adminPort = try LoopbackPort.unused()
                let environment = [
                    "DATABASE_URL": url.connectionString, "LOG_LEVEL": "warning",
                    "SALESFORCE_CLIENT_ID": "3MVG9dialerSandboxedConsumerKey", "SALESFORCE_USERNAME": "sandboxed@dialer.test",
                    "SALESFORCE_LOGIN_URL": salesforce.baseURL, "SALESFORCE_AUDIENCE": salesforce.configuration.audience,
                    "SALESFORCE_PRIVATE_KEY": keys.privateKeyPEM,
                    "TWILIO_ACCOUNT_SID": accountSID, "TWILIO_AUTH_TOKEN": authToken,
                    "TWILIO_API_KEY": apiKey.sid, "TWILIO_API_SECRET": apiKey.secret,
                    "TWILIO_BASE_URL": "http://\(host):\(twilioPort)", "DIALER_PUBLIC_URL": "http://127.0.0.1:\(port)",
                    "TWILIO_CALLS_PER_SECOND": "\(settings.rate)",
                    // 15:00 in New York is 09:00 in Honolulu: every zone's window is open for hours,
                    // whatever the hour the run starts.
                    "DIALER_WINDOW_CLOCK_START": ISO8601DateFormatter().string(from: DemoClock(factor: 1, easternHour: 15, minute: 0).now()),
                ].merging(settings.environment) { _, new in new }
                return try await body(
                    SandboxedDialer(
                        salesforce: salesforce,
                        twilio: twilio,
                        environment: environment,
                        servePort: port,
                        adminPort: adminPort,
                        directory: directory
                    )
                )
            }
        }
    }

    /// The children, started from the production `dialer` binary.
    func processes(_ specs: [DialerProcesses.Spec]) -> DialerProcesses {
        DialerProcesses(
            executable: DialerBinary.url,
            environment: environment,
            directory: directory,
            specs: specs
        )
    }

    static func worker(_ name: String) -> DialerProcesses.Spec {
        .init(name: name, arguments: ["worker", "--lease", "5", "--concurrency", "60"])
    }

    /// A short drain: the runs stop their children with 10 s of grace, and a call still open
    /// then has the agent's goodbye instead of being cut off.
    func serve() -> DialerProcesses.Spec {
        .init(name: "serve", arguments: ["serve", "--port", "\(servePort)", "--admin-port", "\(adminPort)", "--drain-timeout", "3"])
    }

    /// The most rate slots the dialer's attempts took in any one second: each POST leaves at
    /// its slot or not at all (a slot given up deletes its attempt), so this is the rate as the
    /// dialer sent it, whatever the receiving Sandbox's own timing.
    static func busiestSlotSecond(_ db: Database, logger: Logger) async throws -> Int {
        var slots: [Double] = []
        for try await slot in try await db.client.query(
            "SELECT extract(epoch FROM slot_at)::float8 FROM dialer.call_attempts WHERE slot_at IS NOT NULL",
            logger: logger
        ).decode(Double.self) { slots.append(slot) }
        return RateWindow.busiest(slots)
    }

    /// The campaign of every seeded contact, created as `dialer campaign create` would.
    static func createCampaign(url: DatabaseURL, name: String, rate: Double, logger: Logger) async throws -> Int64 {
        try await Database.run(url: url, maxConnections: 2, logger: logger) { db in
            let query = SOQLQuery(fields: SalesforceContact.fields, object: "Contact", condition: try SOQLParser.parseCondition("LastName != null"))
            var campaign = NewCampaign(name: name, soql: query.soql, fromNumber: from)
            campaign.ratePerSecond = rate
            campaign.maxConcurrentCalls = 100
            campaign.maxAttempts = 2
            campaign.retryDelays = ["busy": 3, "no-answer": 3, "machine": 3, "failed": 3]
            // No campaign window narrower than the quiet hours: windows are the demo's concern.
            campaign.windowStart = "00:00"
            campaign.windowEnd = "23:59"
            return try await CampaignStore(database: db).create(campaign)
        }
    }

    /// The end of a run, each step bounded so a run always ends with its report: the campaign
    /// settled (or its time up), every child stopped (SIGTERM: they drain), the Sandbox
    /// Twilio's last callbacks awaited, the chaos invariants checked into `report`.
    func finish(
        campaignID: Int64,
        url: DatabaseURL,
        within limit: Duration,
        processes: DialerProcesses,
        rate: Double,
        into report: inout ChaosReport,
        logger: Logger,
        progress: @Sendable (String) -> Void
    ) async throws {
        progress("faults over; waiting for the campaign to settle (at most \(Int(limit.seconds)) s)")
        report.settled = try await Self.settle(
            url: url,
            campaignID: campaignID,
            within: limit,
            processes: processes,
            logger: logger,
            progress: progress
        )
        progress("stopping the dialer's processes")
        await processes.stopAll(grace: .seconds(30))
        progress("waiting for the Sandbox Twilio's last callbacks")
        let unfinished = await twilio.settle(within: .seconds(60))
        progress("checking the invariants")
        report.violations = try await ChaosInvariants(url: url, campaignID: campaignID, rate: rate, logger: logger)
            .check(salesforce: salesforce, twilio: twilio, into: &report)
        report.violations += unfinished.map { "the Sandbox Twilio's call \($0.sid) (\($0.status)) was still making its callbacks after 60 s" }
    }

    /// Until every contact is settled and every ended call's Task written, restarting any
    /// process that died; false when the time ran out.
    static func settle(
        url: DatabaseURL,
        campaignID: Int64,
        within limit: Duration,
        processes: DialerProcesses,
        logger: Logger,
        progress: @Sendable (String) -> Void
    ) async throws -> Bool {
        let deadline = ContinuousClock.now + limit
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
                    if line != lastLine {
                        progress("  " + line)
                        lastLine = line
                    }
                    if status == "active", contacts > 0, open == 0, pending == 0 { return true }
                }
                _ = try? processes.restartDead()
                try await Task.sleep(for: .seconds(1))
            }
            try await reportPendingSyncs(db, logger: logger, progress: progress)
            return false
        }
    }

    /// When the time ran out: what each Task sync still pending waits on, for the report.
    static func reportPendingSyncs(_ db: Database, logger: Logger, progress: @Sendable (String) -> Void) async throws {
        let rows = try await db.client.query(
            """
            SELECT s.call_sid, s.attempts, s.sent_at IS NOT NULL, coalesce(s.lease_owner, '-'),
                   coalesce(extract(epoch FROM s.lease_expires_at - now())::int, 0),
                   extract(epoch FROM s.ready_at - now())::int, coalesce(s.last_error_code, '-'),
                   (SELECT count(*) FROM dialer.media_streams m WHERE m.call_sid = s.call_sid AND m.ended_at IS NULL)::int,
                   coalesce((SELECT j.state || ' attempt ' || j.attempt FROM dialer.jobs j
                             WHERE j.unique_key = dialer.finalize_key(s.call_sid) ORDER BY j.id DESC LIMIT 1), 'no job')
            FROM dialer.task_syncs s WHERE s.state = 'pending' ORDER BY s.ready_at LIMIT 20
            """,
            logger: logger
        )
        for try await (sid, attempts, sent, owner, leaseLeft, readyIn, code, openStreams, job) in rows.decode(
            (String, Int, Bool, String, Int, Int, String, Int, String).self
        ) {
            progress(
                "  pending \(sid): \(attempts) writes, sent before \(sent), lease \(owner) for \(leaseLeft) s more, "
                    + "ready in \(readyIn) s, last error \(code), open streams \(openStreams), finalize_call \(job)"
            )
        }
    }
}
