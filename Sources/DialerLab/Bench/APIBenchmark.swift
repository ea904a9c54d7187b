import AsyncHTTPClient
import Demo
import DialerServices
import Foundation
import Logging
import NIOCore
import PostgresNIO
import Store
import Webhooks

/// `dialer-lab bench api`: the admin listener's API as `dialer serve` runs it (``AdminRouter``, a
/// 20-connection pool) on a loopback port of this process, loaded from C keep-alive connections
/// (`LoadConnection`). In order: `GET /healthz` (the baseline), `POST /v1/calls` (each accepted
/// call durably queued before its 202, each with its own Idempotency-Key), then the reads of a
/// finished campaign of `listContacts` contacts with two calls each: `GET /v1/calls?campaign=`
/// pages at cursors spread over the whole list, `GET /v1/campaigns/{name}` (its progress), and
/// the console's page of it (`GET /console/campaigns/{name}`, signed in with the same key).
struct APIBenchmark: Sendable {
    struct Settings: Sendable {
        var connections: Int
        var seconds: Double
        var listContacts = 100_000
        var warmup: Double = 2
        var baselineSeconds: Double = 5
        var scenarios: Set<Scenario> = Set(Scenario.allCases)
    }

    /// What a run measures, after the baseline.
    enum Scenario: String, CaseIterable, Sendable {
        case calls, list, campaign, console

        /// The reads of the seeded campaign.
        static let reads: Set<Scenario> = [.list, .campaign, .console]
    }

    let url: DatabaseURL
    let settings: Settings
    let logger: Logger

    func run(progress: @escaping @Sendable (String) -> Void) async throws -> APIBenchmarkReport {
        try await Database.run(url: url, maxConnections: 20, logger: logger) { db in
            try await Migrator(database: db).migrate()
            let postgres = try await QueueBenchmark.postgresSettings(db)
            let stamp = Int(Date().timeIntervalSince1970)
            let key = try await APIKeyStore(database: db).create(name: "bench-\(stamp)", scopes: [.read, .callsWrite]).token
            defer { Task { try? await APIKeyStore(database: db).revoke(name: "bench-\(stamp)") } }
            let reads = !settings.scenarios.isDisjoint(with: Scenario.reads)
            let listContacts = reads ? settings.listContacts : 0
            if reads { progress("seeding a finished campaign of \(listContacts) contacts and \(listContacts * 2) calls") }
            let list = try await db.seedFinishedCampaign(name: "bench-api-list-\(stamp)", contacts: listContacts)
            let calls = try await CampaignStore(database: db).create(
                NewCampaign(name: "bench-api-calls-\(stamp)", soql: "SELECT Id FROM Contact", fromNumber: "+14155550100")
            )
            try await db.client.query("UPDATE dialer.campaigns SET status = 'active' WHERE id = \(calls)", logger: logger)
            let cursors = try await db.cursors(campaign: list, every: max(1, listContacts * 2 / 500))
            return try await db.removingBenchmarkCampaign(list) {
                try await db.removingBenchmarkCampaign(calls) {
                    let router = AdminRouter.make(database: db, metrics: WebhookMetrics())
                    return try await withLoopbackServer(router, logger: logger) { port in
                        var report = APIBenchmarkReport(settings: settings, postgres: postgres)
                        let load = LoadRun(port: port, connections: settings.connections)
                        let auth = ("Authorization", "Bearer \(key)")
                        let measure = settings.scenarios
                        progress("baseline: GET /healthz for \(Int(settings.baselineSeconds)) s over \(settings.connections) connections")
                        report.baseline = try await load.run(seconds: settings.baselineSeconds, warmup: 1) { _ in .init(path: "/healthz") }
                        if measure.contains(.calls) {
                            progress("POST /v1/calls for \(Int(settings.seconds)) s")
                            report.calls = try await load.run(seconds: settings.seconds, warmup: settings.warmup) { n in
                                LoadConnection.Request(
                                    method: .POST,
                                    path: "/v1/calls",
                                    headers: [auth, ("Content-Type", "application/json"), ("Idempotency-Key", "bench-\(stamp)-\(n)")],
                                    body: #"{"to":"+1\#(3_122_000_000 + n)","campaign":"bench-api-calls-\#(stamp)"}"#
                                )
                            }
                            report.queued = try await db.queued(campaign: calls)
                        }
                        if measure.contains(.list) {
                            progress("GET /v1/calls?campaign= pages for \(Int(settings.seconds)) s")
                            report.listPages = try await load.run(seconds: settings.seconds, warmup: settings.warmup) { n in
                                let cursor = cursors.isEmpty ? "" : "&cursor=" + cursors[n % cursors.count]
                                return .init(path: "/v1/calls?campaign=bench-api-list-\(stamp)&limit=50\(cursor)", headers: [auth])
                            }
                        }
                        if measure.contains(.campaign) {
                            progress("GET /v1/campaigns/{name} for \(Int(settings.seconds)) s")
                            report.campaignPage = try await load.run(seconds: settings.seconds, warmup: settings.warmup) { _ in
                                .init(path: "/v1/campaigns/bench-api-list-\(stamp)", headers: [auth])
                            }
                        }
                        if measure.contains(.console) {
                            let cookie = try await Self.consoleSession(port: port, key: key)
                            progress("GET /console/campaigns/{name} (the console's campaign page) for \(Int(settings.seconds)) s")
                            report.consolePage = try await load.run(seconds: settings.seconds, warmup: settings.warmup) { _ in
                                .init(path: "/console/campaigns/bench-api-list-\(stamp)", headers: [("Cookie", cookie)])
                            }
                        }
                        return report
                    }
                }
            }
        }
    }
}

extension APIBenchmark {
    /// Signs in to the console with `key` as a person would; returns the session's cookie.
    static func consoleSession(port: Int, key: String) async throws -> String {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/console/sign-in")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.body = .bytes(ByteBuffer(string: "key=\(key)"))
        // The sign-in answers 303 with the cookie: read it, do not follow.
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .seconds(10))
        } catch {
            try await client.shutdown()
            throw error
        }
        try await client.shutdown()
        guard let cookie = response.headers["Set-Cookie"].first?.split(separator: ";").first else {
            throw CommandFailure("the console refused the benchmark's key (\(response.status.code))")
        }
        return String(cookie)
    }
}

/// Requests from every connection for a span, each taking the next number.
struct LoadRun: Sendable {
    let port: Int
    let connections: Int

    func run(
        seconds: Double,
        warmup: Double,
        _ request: @escaping @Sendable (Int) throws -> LoadConnection.Request
    ) async throws -> WebhookBenchmarkReport.Load {
        let next = RequestNumbers()
        let start = ContinuousClock.now
        let measureFrom = start + .seconds(warmup)
        let end = measureFrom + .seconds(seconds)
        let loads = try await LoadConnection.withConnections(connections, port: port) { _, connection in
            var load = WebhookBenchmarkReport.Load()
            while true {
                let sent = ContinuousClock.now
                guard sent < end else { return load }
                let status = try await connection.send(try request(next.take()))
                guard sent >= measureFrom else { continue }
                load.latenciesMs.append((ContinuousClock.now - sent).milliseconds)
                load.statuses[status, default: 0] += 1
            }
        }
        return loads.reduce(into: WebhookBenchmarkReport.Load(seconds: seconds)) { $0.merge($1) }
    }
}

extension Database {
    /// A completed campaign of `contacts` contacts, each called twice (both calls completed),
    /// the calls a millisecond apart: what the list and progress reads are measured on.
    func seedFinishedCampaign(name: String, contacts: Int) async throws -> Int64 {
        try await scalarInt64(
            """
            WITH campaign AS (
                INSERT INTO dialer.campaigns (name, soql, status, from_number, max_attempts, completed_at)
                VALUES (\(name), 'SELECT Id FROM Contact', 'completed', '+14155550100', 2, now())
                RETURNING id
            ), contact AS (
                INSERT INTO dialer.contacts (campaign_id, salesforce_id, phone_e164, time_zone, time_zone_source, attempts, outcome)
                SELECT campaign.id, '003BA' || lpad(g::text, 13, '0'), '+1' || (2130000000 + g)::text, 'America/New_York', 'area_code', 2,
                       'answered'
                FROM campaign, generate_series(1, \(contacts)) AS g
                RETURNING id, campaign_id, phone_e164
            ), attempt AS (
                INSERT INTO dialer.call_attempts (contact_id, campaign_id, attempt_number, state, to_e164, from_e164, call_sid, created_at, ended_at)
                SELECT k.id, k.campaign_id, n, 'placed', k.phone_e164, '+14155550100', 'CAbapi' || k.id || 'x' || n,
                       now() - interval '1 day' + (k.id * 2 + n) * interval '1 millisecond', now()
                FROM contact AS k, generate_series(1, 2) AS n
                RETURNING id, call_sid, campaign_id
            ), call AS (
                INSERT INTO dialer.calls (call_sid, attempt_id, status, answered_by, duration_seconds, answered_at, ended_at)
                SELECT call_sid, id, 'completed', 'human', 30, now(), now() FROM attempt
            )
            SELECT id FROM campaign
            """
        )
    }

    /// Cursors of pages spread over a campaign's list of calls, every `every`-th call.
    func cursors(campaign: Int64, every: Int) async throws -> [String] {
        let rows = try await client.query(
            """
            SELECT micros, id FROM (
                SELECT (extract(epoch FROM created_at) * 1000000)::bigint AS micros, id, row_number() OVER (ORDER BY created_at DESC, id DESC) AS n
                FROM dialer.call_attempts WHERE campaign_id = \(campaign)
            ) AS numbered WHERE n % \(every) = 0
            """,
            logger: logger
        )
        var cursors: [String] = []
        for try await (micros, id) in rows.decode((Int64, UUID).self) { cursors.append(CallListCursor(createdMicros: micros, id: id).token) }
        return cursors
    }

    /// Calls the API queued for a campaign: its contacts and their place_call jobs.
    func queued(campaign: Int64) async throws -> (contacts: Int, jobs: Int) {
        let rows = try await client.query(
            """
            SELECT (SELECT count(*) FROM dialer.contacts WHERE campaign_id = \(campaign))::int,
                   (SELECT count(*) FROM dialer.jobs WHERE campaign_id = \(campaign))::int
            """,
            logger: logger
        )
        for try await row in rows.decode((Int, Int).self) { return row }
        return (0, 0)
    }

    func scalarInt64(_ query: PostgresQuery) async throws -> Int64 {
        for try await value in try await client.query(query, logger: logger).decode(Int64.self) { return value }
        throw CommandFailure("the benchmark's seed returned nothing")
    }
}
