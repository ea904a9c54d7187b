import DialerServices
import Foundation
import Hummingbird
import Logging
import Queue
import Salesforce
import Sandbox
import Store
import Twilio
import Voice
import Webhooks
import Worker

/// The whole dialer on one machine, on loopback: the Sandbox Salesforce (seeded contacts) and
/// Sandbox Twilio (simulated calls whose callees speak with espeak-ng over the media stream),
/// the webhook service with the embedded voice stack, and a worker running imports, calls
/// and Task syncs, all against one database. `dialer-lab demo` and the end-to-end test run it.
public struct DemoStack: Sendable {
    /// What a running stack offers its caller.
    public struct Running: Sendable {
        public let db: Database
        public let salesforce: SandboxSalesforce
        public let twilio: SandboxTwilio
        public let clock: DemoClock
        public let windows: DemoWindowHandler
        public let seeded: SandboxSalesforce.SeedSummary
        public let publicURL: String
    }

    public let settings: DemoSettings
    public let logger: Logger

    public init(settings: DemoSettings, logger: Logger) {
        self.settings = settings
        self.logger = logger
    }

    /// Starts everything, runs `body`, and stops everything, whatever `body` does.
    public func run<Result: Sendable>(db: Database, _ body: @Sendable (Running) async throws -> Result) async throws -> Result {
        let keys = try ConnectedAppKeys.generate()
        let salesforce = SandboxSalesforce(
            configuration: .init(
                clientID: "3MVG9dialerDemoConsumerKey",
                username: "demo@dialer.test",
                publicKeyPEM: keys.publicKeyPEM,
                pageSize: 50
            )
        )
        let seeded = salesforce.seedContacts(settings.contacts, seed: settings.seed)
        var twilioConfiguration = SandboxTwilio.Configuration(
            accountSID: "ACdemo0000000000000000000000000000",
            authToken: UUID().uuidString,
            ownedNumbers: [settings.fromNumber]
        )
        twilioConfiguration.callsPerSecond = settings.rate
        twilioConfiguration.outcomeMix = settings.outcomes
        twilioConfiguration.timing.ring = .milliseconds(1500)
        twilioConfiguration.timing.talk = .seconds(4)
        let twilio = SandboxTwilio(configuration: twilioConfiguration)
        let (accountSID, authToken) = (twilioConfiguration.accountSID, twilioConfiguration.authToken)
        defer { twilio.shutdown() }
        assignCalleeScripts(salesforce, twilio)
        let clock = DemoClock(factor: settings.clockFactor)

        return try await withLoopbackServer(salesforce.router(), logger: logger) { salesforcePort in
            salesforce.baseURL = "http://127.0.0.1:\(salesforcePort)"
            return try await withLoopbackServer(twilio.router(), logger: logger) { twilioPort in
                let twilioSettings = TwilioConfiguration(accountSID: accountSID, secret: authToken, baseURL: "http://127.0.0.1:\(twilioPort)")
                let port = try LoopbackPort.unused()
                let publicURL = "http://127.0.0.1:\(port)"
                // The webhooks as `dialer serve` builds them, with the embedded voice.
                let webhooks = try await WebhookServices.make(
                    ServeConfiguration(
                        webhooks: TwilioWebhookConfiguration(publicURL: publicURL, authToken: authToken, accountSID: accountSID),
                        control: .configured(twilioSettings)
                    ),
                    database: db,
                    logger: logger
                )
                return try await withLoopbackServer(webhooks.router, webSocketRouter: webhooks.media, port: port, logger: logger) { _ in
                    let salesforceSettings = SalesforceConfiguration(
                        clientID: "3MVG9dialerDemoConsumerKey",
                        username: "demo@dialer.test",
                        loginURL: salesforce.baseURL,
                        audience: salesforce.configuration.audience,
                        privateKeyPEM: keys.privateKeyPEM
                    )
                    var dialing = DialingConfiguration(publicURL: publicURL, accountSID: accountSID)
                    dialing.accountCallsPerSecond = settings.rate
                    // The worker's handlers as `dialer worker` builds them; calling windows
                    // are judged by the demo's fast clock, and a call waiting for its window
                    // is snoozed in the clock's real seconds.
                    var configuration = WorkerConfiguration(
                        salesforce: .configured(.init(client: salesforceSettings)),
                        twilio: .configured(.init(client: twilioSettings, dialing: dialing))
                    )
                    configuration.windowClock = .given(clock.now)
                    var windows: DemoWindowHandler?
                    let handlers = WorkerServices.handlers(configuration, database: db, logger: logger).map { handler -> any JobHandler in
                        guard handler.kind == PlaceCallArgs.kind else { return handler }
                        let wrapped = DemoWindowHandler(handler, clock: clock)
                        windows = wrapped
                        return wrapped
                    }
                    guard let windows else { throw DemoStackError.noDialing }
                    try await WorkerServices.scheduleRecurring(handlers, database: db)
                    var runnerConfiguration = JobRunnerConfiguration()
                    runnerConfiguration.concurrency = 100
                    let runner = JobRunner(queue: JobQueue(database: db), handlers: handlers, configuration: runnerConfiguration, logger: logger)
                    let running = Running(
                        db: db,
                        salesforce: salesforce,
                        twilio: twilio,
                        clock: clock,
                        windows: windows,
                        seeded: seeded,
                        publicURL: publicURL
                    )
                    return try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask { await runner.runUntilStopped() }
                        do {
                            let result = try await body(running)
                            runner.stop()
                            try await group.waitForAll()
                            return result
                        } catch {
                            runner.stop()
                            try? await group.waitForAll()
                            throw error
                        }
                    }
                }
            }
        }
    }

    /// Gives each seeded person a line to say, by a hash of the number the dialer will call
    /// (MobilePhone first, as the import picks it).
    func assignCalleeScripts(_ salesforce: SandboxSalesforce, _ twilio: SandboxTwilio) {
        guard !settings.calleeScripts.isEmpty else { return }
        for contact in salesforce.records(ofType: "Contact") {
            var raw: String?
            for field in ["MobilePhone", "Phone"] where raw == nil {
                if case .string(let text) = contact[field] { raw = text }
            }
            guard let raw, let number = PhoneNumber.normalize(raw).number else { continue }
            let hash = number.e164.unicodeScalars.reduce(5381) { ($0 &* 33) &+ Int($1.value) }
            twilio.speak(number.e164, settings.calleeScripts[abs(hash) % settings.calleeScripts.count])
        }
    }
}

/// The demo configures every service itself: a worker without calls would be a bug here.
enum DemoStackError: Error {
    case noDialing
}
