import Foundation
import Queue
import Salesforce
import Sandbox
import Store
import Worker

/// Ended calls in Postgres, a Sandbox Salesforce, and finalize jobs to run against it.
public struct Finalizing: Sendable {
    public let db: Database
    public let sandbox: SandboxSalesforce
    public let salesforce: SalesforceConfiguration
    public let campaignID: Int64

    public init(db: Database, sandbox: SandboxSalesforce, salesforce: SalesforceConfiguration, campaignID: Int64) {
        self.db = db
        self.sandbox = sandbox
        self.salesforce = salesforce
        self.campaignID = campaignID
    }

    public static func with(_ body: @Sendable (Finalizing) async throws -> Void) async throws {
        try await TestDatabase.withFresh(maxConnections: 12) { db, _ in
            try await withSandboxSalesforce { sandbox, configuration in
                let campaign = try await EndedCalls.campaign(db)
                try await body(Finalizing(db: db, sandbox: sandbox, salesforce: configuration, campaignID: campaign))
            }
        }
    }

    /// `count` ended calls with their syncs and finalize jobs (see `EndedCalls`).
    @discardableResult
    public func endCalls(
        _ count: Int,
        from first: Int = 0,
        status: String = "completed",
        answered: Bool = true,
        transcriptLines: Int = 2
    ) async throws -> [String] {
        try await EndedCalls.seed(
            db,
            campaignID: campaignID,
            count,
            from: first,
            status: status,
            answered: answered,
            transcriptLines: transcriptLines
        )
    }

    public func client() -> SalesforceClient {
        SalesforceClient(configuration: salesforce, logger: TestDatabase.testLogger, backoff: .init(base: 0.01, cap: 0.05, jitter: 0))
    }

    public func handler(
        _ configuration: FinalizeConfiguration = FinalizeConfiguration(),
        client: SalesforceClient? = nil,
        afterWrite: (@Sendable ([String]) async throws -> Void)? = nil
    ) -> FinalizeCallHandler {
        var configuration = configuration
        configuration.requestLimitPause = .milliseconds(300)
        configuration.requestLimitProbe = .seconds(1)
        return FinalizeCallHandler(
            database: db,
            salesforce: client ?? self.client(),
            configuration: configuration,
            retryBackoff: .init(base: 0.05, factor: 2, cap: 0.2, jitter: 0),
            logger: TestDatabase.testLogger,
            afterWrite: afterWrite
        )
    }

    /// Tasks in the Sandbox per CallObject.
    public func tasksByCall() -> [String: Int] { EndedCalls.tasksByCall(sandbox) }

    /// The Task the Sandbox holds for a call, which the test expects to be the only one.
    public func task(_ callSID: String) throws -> SandboxRecord {
        let tasks = sandbox.records(ofType: "Task").filter { $0["CallObject"] == .string(callSID) }
        guard tasks.count == 1 else { throw TestSetupError("\(tasks.count) Tasks for \(callSID)") }
        return tasks[0]
    }

    /// Runs finalize runners until every sync has left pending (or `timeout` passes).
    public func finalize(
        _ handlers: [FinalizeCallHandler],
        concurrency: Int = 20,
        timeout: Duration = .seconds(60)
    ) async throws -> Bool {
        let runners = handlers.map { runner(db, [$0], testConfiguration(concurrency: concurrency, batch: concurrency)) }
        return try await withRunners(runners) {
            try await eventually(timeout: timeout, every: .milliseconds(100)) {
                try await db.scalar("SELECT count(*)::int FROM dialer.task_syncs WHERE state = 'pending'", as: Int.self) == 0
            }
        }
    }

    public func syncStates() async throws -> [String: Int] {
        let rows = try await db.rows("SELECT state, count(*)::int FROM dialer.task_syncs GROUP BY state", as: (String, Int).self)
        return Dictionary(uniqueKeysWithValues: rows.map { ($0.0, $0.1) })
    }

    /// Data requests the Sandbox received (the token request aside).
    public func dataRequests() -> Int {
        sandbox.requests.filter { $0.path.contains("/services/data/") }.count
    }
}
