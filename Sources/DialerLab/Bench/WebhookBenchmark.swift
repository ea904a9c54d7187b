import Demo
import DialerServices
import Foundation
import Hummingbird
import Logging
import NIOCore
import PostgresNIO
import Store
import Synchronization
import Twilio
import Webhooks

/// `dialer-lab bench webhooks`: signed status callbacks through the webhook service, with their
/// durable writes, from C keep-alive connections (`LoadConnection`), as Twilio sends them.
///
/// The service is the one `dialer serve` runs (`WebhookRouter`, a 20-connection pool), on a
/// loopback port of this process. Each connection plays calls one after another, each call
/// its four callbacks in order (initiated, ringing, in-progress, completed), so every
/// callback does the work a real one does: admit, move the call, and on completed apply the
/// retry policy and queue the Task. The callbacks are signed for a public URL that is not
/// the socket's, as behind a TLS proxy.
struct WebhookBenchmark: Sendable {
    struct Settings: Sendable {
        var connections: Int
        var seconds: Double
        var statusWriters = CallStore.defaultStatusWriters
        var warmup: Double = 2
        var baselineSeconds: Double = 5
        /// Off only to measure what ``AnswerDeadline`` costs (`--without-answer-deadline`).
        var answerDeadline = true
    }

    static let publicURL = "https://bench.dialer.invalid"
    static let lifecycle = ["initiated", "ringing", "in-progress", "completed"]

    let url: DatabaseURL
    let settings: Settings
    let logger: Logger

    func run(progress: @escaping @Sendable (String) -> Void) async throws -> WebhookBenchmarkReport {
        let token = UUID().uuidString
        return try await Database.run(url: url, maxConnections: 20, logger: logger) { db in
            try await Migrator(database: db).migrate()
            var report = WebhookBenchmarkReport(settings: settings, postgres: try await QueueBenchmark.postgresSettings(db))
            let calls = Int(settings.seconds + settings.warmup) * 2500 + settings.connections
            progress("seeding \(calls) placed calls")
            let (campaign, placed) = try await db.seedPlacedCalls(name: "bench-webhooks-\(Int(Date().timeIntervalSince1970))", calls: calls)
            let attempts = placed.map(\.attemptID)
            return try await db.removingBenchmarkCampaign(campaign) {
                let configuration = TwilioWebhookConfiguration(publicURL: Self.publicURL, authToken: token)
                let service = WebhookRouter.make(database: db, configuration: configuration, control: nil, statusWriters: settings.statusWriters)
                let measured: @Sendable (Int) async throws -> (WebhookBenchmarkReport.Load, WebhookBenchmarkReport.Load) = { port in
                    try await measure(port: port, token: token, attempts: attempts, campaign: campaign, progress: progress)
                }
                (report.baseline, report.callbacks) =
                    settings.answerDeadline
                    ? try await withLoopbackServer(service, logger: logger, measured)
                    : try await withLoopbackServer(service.routes, logger: logger, measured)
                report.durable = try await durable(db, campaign: campaign)
                return report
            }
        }
    }

    /// The baseline, then the callbacks.
    func measure(
        port: Int,
        token: String,
        attempts: [String],
        campaign: Int64,
        progress: @escaping @Sendable (String) -> Void
    ) async throws -> (WebhookBenchmarkReport.Load, WebhookBenchmarkReport.Load) {
        progress("baseline: GET /healthz for \(Int(settings.baselineSeconds)) s over \(settings.connections) connections")
        let health = LoadConnection.Request(path: "/healthz")
        let baseline = try await load(port: port, seconds: settings.baselineSeconds, warmup: 1) { _ in health }
        progress("signed status callbacks for \(Int(settings.seconds)) s over \(settings.connections) connections")
        let signer = TwilioSignature(authToken: token)
        let callbacks = try await load(port: port, seconds: settings.seconds, warmup: settings.warmup) { n in
            try Self.callback(n, attempts: attempts, signer: signer, campaign: campaign)
        }
        return (baseline, callbacks)
    }

    /// The n-th callback of the run: call n / 4, its (n % 4)-th status, signed for `publicURL`.
    static func callback(
        _ n: Int,
        attempts: [String],
        signer: TwilioSignature,
        campaign: Int64,
        publicURL: String = WebhookBenchmark.publicURL
    ) throws -> LoadConnection.Request {
        let call = n / 4
        let sequence = n % 4
        guard call < attempts.count else { throw CommandFailure("ran out of seeded calls: raise the seed") }
        let status = Self.lifecycle[sequence]
        var parameters = [
            ("AccountSid", "ACbench00000000000000000000000000"), ("ApiVersion", "2010-04-01"),
            ("CallSid", Self.callSID(campaign: campaign, call: call)),
            ("CallStatus", status), ("Direction", "outbound-api"), ("From", "+14155550100"), ("To", "+12120000000"),
            ("CallbackSource", "call-progress-events"), ("SequenceNumber", String(sequence)), ("Timestamp", TwilioDate.string(from: Date())),
        ]
        if status == "completed" { parameters += [("CallDuration", "42"), ("SipResponseCode", "200")] }
        // The URL PlaceCall gives Twilio: the attempt id rides along, and is signed.
        let path = "/twilio/status?attempt=" + attempts[call]
        return LoadConnection.Request(
            method: .POST,
            path: path,
            headers: [
                ("Content-Type", "application/x-www-form-urlencoded"),
                (TwilioSignature.header, signer.signature(url: publicURL + path, parameters: parameters)),
            ],
            body: FormEncoding.encode(parameters)
        )
    }

    /// Runs `request` from every connection until `seconds` have passed after `warmup`; each
    /// call takes the next number, so connections never send the same callback.
    func load(
        port: Int,
        seconds: Double,
        warmup: Double,
        _ request: @escaping @Sendable (Int) throws -> LoadConnection.Request
    ) async throws -> WebhookBenchmarkReport.Load {
        try await LoadRun(port: port, connections: settings.connections).run(seconds: seconds, warmup: warmup, request)
    }

    static func callSID(campaign: Int64, call: Int) -> String {
        "CAbench" + String(campaign) + "x" + String(call)
    }

    /// What the run left in Postgres: every accepted callback must be there.
    func durable(_ db: Database, campaign: Int64) async throws -> WebhookBenchmarkReport.Durable {
        let rows = try await db.client.query(
            """
            SELECT (SELECT count(*) FROM dialer.call_attempts a JOIN dialer.call_events e ON e.call_sid = a.call_sid WHERE a.campaign_id = \(campaign))::int,
                   (SELECT count(*) FROM dialer.calls c JOIN dialer.call_attempts a ON a.id = c.attempt_id
                    WHERE a.campaign_id = \(campaign) AND c.status = 'completed')::int,
                   (SELECT count(*) FROM dialer.jobs WHERE campaign_id = \(campaign) AND kind = \(FinalizeCallArgs.kind))::int,
                   (SELECT count(*) FROM dialer.task_syncs WHERE campaign_id = \(campaign))::int
            """,
            logger: logger
        )
        for try await (events, completed, finalize, syncs) in rows.decode((Int, Int, Int, Int).self) {
            return .init(events: events, completedCalls: completed, finalizeJobs: finalize, taskSyncs: syncs)
        }
        return .init(events: 0, completedCalls: 0, finalizeJobs: 0, taskSyncs: 0)
    }
}

/// Hands out request numbers to every connection, each once.
final class RequestNumbers: Sendable {
    private let next = Atomic<Int>(0)

    func take() -> Int { next.add(1, ordering: .relaxed).oldValue }
}
