import Foundation
import Salesforce
import Sandbox
import Store
import TestSupport
import Worker

/// Ended calls in Postgres, a Sandbox Salesforce, and finalize jobs to run against it.
struct Finalizing {
    let db: Database
    let sandbox: SandboxSalesforce
    let salesforce: SalesforceConfiguration
    let campaignID: Int64

    static func with(_ body: @Sendable (Finalizing) async throws -> Void) async throws {
        try await TestDatabase.withFresh(maxConnections: 12) { db, _ in
            try await withSandboxSalesforce { sandbox, configuration in
                let campaign = try await db.scalar(
                    """
                    INSERT INTO dialer.campaigns (name, soql, status, from_number, rate_per_second, max_concurrent_calls)
                    VALUES ('finalize test', 'SELECT Id FROM Contact', 'active', '+14155550100', 1, 10) RETURNING id
                    """,
                    as: Int64.self
                )
                try await body(Finalizing(db: db, sandbox: sandbox, salesforce: configuration, campaignID: campaign))
            }
        }
    }

    static func callSID(_ n: Int) -> String { "CAfin" + String(format: "%08d", n) }

    /// `count` calls that ended (`status`, answered or not), each with its sync and its
    /// finalize job due now, as `dialer.end_calls` leaves them; `transcriptLines` entries
    /// alternate agent and callee.
    @discardableResult
    func endCalls(_ count: Int, from first: Int = 0, status: String = "completed", answered: Bool = true, transcriptLines: Int = 2) async throws -> [String] {
        try await db.execute(
            """
            WITH contact AS (
                INSERT INTO dialer.contacts (campaign_id, salesforce_id, account_id, phone_e164, time_zone, time_zone_source, outcome)
                SELECT \(campaignID), '003SB' || lpad(g::text, 13, '0'), '001SB' || lpad(g::text, 13, '0'), '+1212' || lpad(g::text, 7, '0'),
                       'America/New_York', 'area_code',
                       CASE \(status) WHEN 'completed' THEN CASE WHEN \(answered) THEN 'answered' ELSE 'no_answer' END
                                       WHEN 'no-answer' THEN 'no_answer' ELSE \(status) END
                FROM generate_series(\(first), \(first + count - 1)) AS g
                RETURNING id, salesforce_id
            ), attempt AS (
                INSERT INTO dialer.call_attempts (contact_id, campaign_id, attempt_number, state, to_e164, from_e164, call_sid, ended_at)
                SELECT c.id, \(campaignID), 1, 'placed', '+12125550000', '+14155550100',
                       'CAfin' || lpad(((substring(c.salesforce_id FROM 6))::int)::text, 8, '0'), now()
                FROM contact AS c
                RETURNING id, call_sid
            ), call AS (
                INSERT INTO dialer.calls (call_sid, attempt_id, status, answered_by, duration_seconds, answered_at, ended_at)
                SELECT call_sid, id, \(status), CASE WHEN \(answered) THEN 'human' END, CASE WHEN \(answered) THEN 42 ELSE 0 END,
                       CASE WHEN \(answered) THEN now() - interval '42 seconds' END, now()
                FROM attempt
                RETURNING call_sid, attempt_id
            ), entries AS (
                INSERT INTO dialer.transcript_entries (call_sid, seq, attempt_id, speaker, text, start_ms, end_ms)
                SELECT c.call_sid, s, c.attempt_id, CASE WHEN s % 2 = 0 THEN 'agent' ELSE 'callee' END,
                       CASE WHEN s % 2 = 0 THEN 'Would you like a call back?' ELSE 'yes' END, s * 3000, s * 3000 + 1000
                FROM call AS c, generate_series(0, \(transcriptLines - 1)) AS s
            ), sync AS (
                INSERT INTO dialer.task_syncs (call_sid, attempt_id, campaign_id)
                SELECT call_sid, attempt_id, \(campaignID) FROM call
            )
            INSERT INTO dialer.jobs (kind, args, campaign_id, unique_key)
            SELECT \(CallStore.finalizeKind), jsonb_build_object('callSID', call_sid), \(campaignID), 'finalize:' || call_sid FROM call
            """
        )
        return (first..<(first + count)).map(Self.callSID)
    }

    func client() -> SalesforceClient {
        SalesforceClient(configuration: salesforce, logger: TestDatabase.testLogger, backoff: .init(base: 0.01, cap: 0.05, jitter: 0))
    }

    func handler(
        _ configuration: FinalizeConfiguration = FinalizeConfiguration(), client: SalesforceClient? = nil,
        afterWrite: (@Sendable ([String]) async throws -> Void)? = nil
    ) -> FinalizeCallHandler {
        var configuration = configuration
        configuration.requestLimitPause = .milliseconds(300)
        configuration.requestLimitProbe = .seconds(1)
        return FinalizeCallHandler(
            database: db, salesforce: client ?? self.client(), configuration: configuration,
            retryBackoff: .init(base: 0.05, factor: 2, cap: 0.2, jitter: 0), logger: TestDatabase.testLogger, afterWrite: afterWrite
        )
    }

    /// Tasks in the Sandbox per CallObject.
    func tasksByCall() -> [String: Int] {
        sandbox.records(ofType: "Task").reduce(into: [:]) { counts, task in
            if case .string(let sid) = task["CallObject"] { counts[sid, default: 0] += 1 }
        }
    }

    /// The Task the Sandbox holds for a call, which the test expects to be the only one.
    func task(_ callSID: String) throws -> SandboxRecord {
        let tasks = sandbox.records(ofType: "Task").filter { $0["CallObject"] == .string(callSID) }
        guard tasks.count == 1 else { throw TestSetupError("\(tasks.count) Tasks for \(callSID)") }
        return tasks[0]
    }

    /// Runs finalize runners until every sync has left pending (or `timeout` passes).
    func finalize(
        _ handlers: [FinalizeCallHandler], concurrency: Int = 20, timeout: Duration = .seconds(60)
    ) async throws -> Bool {
        let runners = handlers.map { runner(db, [$0], testConfiguration(concurrency: concurrency, batch: concurrency)) }
        return try await withRunners(runners) {
            try await eventually(timeout: timeout, every: .milliseconds(100)) {
                try await db.scalar("SELECT count(*)::int FROM dialer.task_syncs WHERE state = 'pending'", as: Int.self) == 0
            }
        }
    }

    func syncStates() async throws -> [String: Int] {
        let rows = try await db.rows("SELECT state, count(*)::int FROM dialer.task_syncs GROUP BY state", as: (String, Int).self)
        return Dictionary(uniqueKeysWithValues: rows.map { ($0.0, $0.1) })
    }

    /// Data requests the Sandbox received (the token request aside).
    func dataRequests() -> Int {
        sandbox.requests.filter { $0.path.contains("/services/data/") }.count
    }
}
