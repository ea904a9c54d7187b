import ArgumentParser
import Backoff
import Demo
import Foundation
import Logging
import PostgresNIO
import Store
import Synchronization
import Worker

/// `dialer-lab bench privacy`: a purge on a database of realistic size, and whether dialing's
/// status callbacks keep their latency while it runs.
///
/// A throwaway cluster with fsync on is seeded with `calls` ended calls, each with what a
/// conversation leaves (a contact with CRM fields, 8 transcript entries, 4 callbacks with
/// Twilio's parameters, a media-stream row, a synced Task, a call.ended event with its
/// transcript); half ended 100 days ago, half 10. Live calls get status callbacks through
/// `CallStore.record`, the webhook's own write path, paced at `callbacksPerSecond`: first for
/// `seconds` alone (the baseline), then while the purge of calls older than 90 days runs with
/// the workers' pacing (``PrivacyPacing``).
struct PrivacyBenchmark: Sendable {
    struct Settings: Sendable {
        var calls = 100_000
        var callbacksPerSecond = 200.0
        var seconds = 20.0
        var liveCalls = 2_000
        var pacing = PrivacyPacing()
    }

    struct Report: Sendable, CustomStringConvertible {
        var settings: Settings
        var postgres: [(String, String)] = []
        var seedSeconds = 0.0
        var purged = PrivacyStore.Counts()
        var purgeSeconds = 0.0
        var baseline: [Duration] = []
        var duringPurge: [Duration] = []

        static func percentiles(_ latencies: [Duration]) -> String {
            let sorted = latencies.sorted()
            func at(_ fraction: Double) -> String {
                guard !sorted.isEmpty else { return "-" }
                let value = sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))]
                return String(format: "%.1f ms", value.seconds * 1000)
            }
            return "p50 \(at(0.5)), p95 \(at(0.95)), p99 \(at(0.99)), max \(at(1)) over \(sorted.count)"
        }

        var description: String {
            let rows = purged.transcriptEntries + purged.callEvents + purged.mediaStreams + purged.webhookEvents
            return """
                postgres: \(postgres.map { "\($0.0)=\($0.1)" }.joined(separator: " "))
                seeded \(settings.calls) ended calls (\(settings.calls * 8) transcript entries, \(settings.calls * 4) callbacks) in \(String(format: "%.0f", seedSeconds)) s
                purge of the \(purged.calls) calls older than 90 days (batches of \(settings.pacing.batchSize), \(Int(settings.pacing.pause.seconds * 1000)) ms apart): \(rows) rows removed or cleared in \(String(format: "%.1f", purgeSeconds)) s \
                = \(String(format: "%.0f", Double(rows) / max(purgeSeconds, 0.001))) rows/s, \(String(format: "%.0f", Double(purged.calls) / max(purgeSeconds, 0.001))) calls/s
                status callbacks at \(Int(settings.callbacksPerSecond))/s, alone (baseline): \(Self.percentiles(baseline))
                status callbacks at \(Int(settings.callbacksPerSecond))/s, while the purge ran:  \(Self.percentiles(duringPurge))
                """
        }
    }

    let settings: Settings
    let logger: Logger

    func run(progress: @escaping @Sendable (String) -> Void) async throws -> Report {
        try await EphemeralPostgres.with { cluster in
            try await Database.run(url: try DatabaseURL(cluster.url), maxConnections: 20, logger: logger) { db in
                try await Migrator(database: db).migrate()
                var report = Report(settings: settings, postgres: try await QueueBenchmark.postgresSettings(db))
                progress("seeding \(settings.calls) calls")
                let seeding = ContinuousClock.now
                let live = try await seed(db)
                report.seedSeconds = (ContinuousClock.now - seeding).seconds
                // The seeding's aftermath (autovacuum, a checkpoint of its WAL) would land in the
                // baseline: settled first.
                try await db.client.query("VACUUM ANALYZE", logger: db.logger)
                try await db.client.query("CHECKPOINT", logger: db.logger)

                progress("status callbacks alone for \(settings.seconds) s")
                let store = CallStore(database: db)
                let sequence = SequenceNumbers()
                report.baseline = try await callbacks(store, live: live, sequence: sequence) { try await Task.sleep(for: .seconds(settings.seconds)) }

                progress("purging while the callbacks go on")
                let privacy = PrivacyStore(database: db)
                let pacing = settings.pacing
                let cutoff = Date().addingTimeInterval(-90 * 86_400)
                let started = ContinuousClock.now
                let purged = Mutex(PrivacyStore.Counts())
                report.duringPurge = try await callbacks(store, live: live, sequence: sequence) {
                    while true {
                        let batch = try await privacy.purgeBatch(before: cutoff, campaignID: nil, limit: pacing.batchSize)
                        purged.withLock { $0 = $0 + batch }
                        if batch.calls == 0 { break }
                        try await Task.sleep(for: pacing.pause)
                    }
                }
                report.purgeSeconds = (ContinuousClock.now - started).seconds
                report.purged = purged.withLock { $0 }
                return report
            }
        }
    }

    /// Sends paced status callbacks (`in-progress`, a new sequence number each) to the live
    /// calls while `during` runs; returns each one's latency.
    func callbacks(
        _ store: CallStore,
        live: [(sid: String, attempt: UUID)],
        sequence: SequenceNumbers,
        during: @escaping @Sendable () async throws -> Void
    ) async throws -> [Duration] {
        let latencies = Latencies()
        let done = SequenceNumbers()
        let interval = Duration.seconds(1 / settings.callbacksPerSecond)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                defer { done.finish() }
                try await during()
            }
            group.addTask {
                let clock = ContinuousClock()
                var next = clock.now
                var k = 0
                try await withThrowingTaskGroup(of: Void.self) { sends in
                    while !done.isFinished {
                        let call = live[k % live.count]
                        let seq = sequence.take()
                        k += 1
                        sends.addTask {
                            let event = CallStatusEvent(
                                callSID: call.sid,
                                attemptID: call.attempt,
                                sequenceNumber: seq,
                                status: "in-progress",
                                parameters: ["CallSid": call.sid, "CallStatus": "in-progress", "SequenceNumber": "\(seq)", "To": "+14155550100"]
                            )
                            let sent = clock.now
                            _ = try await store.record(event)
                            let latency = clock.now - sent
                            latencies.add(latency)
                        }
                        next += interval
                        try await clock.sleep(until: next)
                    }
                    try await sends.waitForAll()
                }
            }
            try await group.waitForAll()
        }
        return latencies.all
    }

    /// The ended calls, in chunks of 10,000 (one statement per table each), and the live ones.
    func seed(_ db: Database) async throws -> [(sid: String, attempt: UUID)] {
        let campaign = try await scalar(
            db,
            "INSERT INTO dialer.campaigns (name, soql, status, from_number) VALUES ('bench-privacy', 'SELECT Id FROM Contact', 'active', '+14155550100') RETURNING id"
        )
        let chunk = 10_000
        for first in stride(from: 0, to: settings.calls, by: chunk) {
            let last = min(settings.calls, first + chunk) - 1
            try await db.client.query(
                """
                WITH n AS (SELECT g FROM generate_series(\(first)::int, \(last)::int) AS g),
                contacts AS (
                    INSERT INTO dialer.contacts (campaign_id, salesforce_id, phone_e164, first_name, last_name, context, attempts, outcome)
                    SELECT \(campaign), '003BP' || lpad(g::text, 13, '0'), '+1415' || lpad(g::text, 7, '0'), 'Pat', 'Doe',
                           '{"Description": "renewal due", "Account.Name": "Acme"}', 1, 'answered'
                    FROM n RETURNING id, phone_e164, salesforce_id
                ), attempts AS (
                    INSERT INTO dialer.call_attempts (contact_id, campaign_id, attempt_number, state, to_e164, from_e164, call_sid, created_at, ended_at)
                    SELECT id, \(campaign), 1, 'placed', phone_e164, '+14155550100', 'CAbp' || substr(salesforce_id, 6),
                           now() - CASE WHEN right(salesforce_id, 1)::int % 2 = 0 THEN interval '100 days' ELSE interval '10 days' END,
                           now() - CASE WHEN right(salesforce_id, 1)::int % 2 = 0 THEN interval '100 days' ELSE interval '10 days' END
                    FROM contacts RETURNING id, call_sid, ended_at
                ), calls AS (
                    INSERT INTO dialer.calls (call_sid, attempt_id, status, answered_at, ended_at, duration_seconds)
                    SELECT call_sid, id, 'completed', ended_at, ended_at, 60 FROM attempts RETURNING call_sid
                ), entries AS (
                    INSERT INTO dialer.transcript_entries (call_sid, seq, attempt_id, speaker, text, start_ms, end_ms)
                    SELECT a.call_sid, s, a.id, CASE WHEN s % 2 = 0 THEN 'agent' ELSE 'callee' END,
                           'A sentence of an ordinary length in a call about a renewal, number ' || s, s * 3000, s * 3000 + 2500
                    FROM attempts AS a, generate_series(0, 7) AS s RETURNING 1
                ), events AS (
                    INSERT INTO dialer.call_events (call_sid, sequence_number, status, attempt_id, params)
                    SELECT a.call_sid, s, (ARRAY['initiated', 'ringing', 'in-progress', 'completed'])[s + 1], a.id,
                           jsonb_build_object('CallSid', a.call_sid, 'To', '+14155550100', 'From', '+14155550100', 'AccountSid', 'ACbench',
                                              'CallStatus', (ARRAY['initiated', 'ringing', 'in-progress', 'completed'])[s + 1],
                                              'Direction', 'outbound-api', 'ApiVersion', '2010-04-01', 'SequenceNumber', s::text)
                    FROM attempts AS a, generate_series(0, 3) AS s RETURNING 1
                ), streams AS (
                    INSERT INTO dialer.media_streams (stream_sid, call_sid, attempt_id, started_at, ended_at, frames_received, frames_sent)
                    SELECT 'MZ' || call_sid, call_sid, id, ended_at, ended_at, 3000, 1500 FROM attempts RETURNING 1
                ), tasks AS (
                    INSERT INTO dialer.task_syncs (call_sid, attempt_id, campaign_id, state, salesforce_task_id, synced_at)
                    SELECT call_sid, id, \(campaign), 'synced', '00T' || substr(call_sid, 5), now() FROM attempts RETURNING 1
                )
                INSERT INTO dialer.webhook_events (type, subject, payload, created_at)
                SELECT 'call.ended', 'call.ended:' || call_sid,
                       jsonb_build_object('callSid', call_sid, 'outcome', 'Answered', 'transcript',
                                          (SELECT jsonb_agg(jsonb_build_object('seq', s, 'text', 'A sentence of an ordinary length')) FROM generate_series(0, 7) AS s)),
                       ended_at
                FROM attempts
                """,
                logger: db.logger
            )
        }
        let rows = try await db.client.query(
            """
            WITH n AS (SELECT g FROM generate_series(1, \(settings.liveCalls)::int) AS g),
            contacts AS (
                INSERT INTO dialer.contacts (campaign_id, salesforce_id, phone_e164, attempts)
                SELECT \(campaign), '003LV' || lpad(g::text, 13, '0'), '+1628' || lpad(g::text, 7, '0'), 1 FROM n
                RETURNING id, phone_e164, salesforce_id
            )
            INSERT INTO dialer.call_attempts (contact_id, campaign_id, attempt_number, state, to_e164, from_e164, call_sid)
            SELECT id, \(campaign), 1, 'placed', phone_e164, '+14155550100', 'CAlv' || substr(salesforce_id, 6) FROM contacts
            RETURNING call_sid, id
            """,
            logger: db.logger
        )
        var live: [(sid: String, attempt: UUID)] = []
        for try await (sid, attempt) in rows.decode((String, UUID).self) { live.append((sid, attempt)) }
        return live
    }

    private func scalar(_ db: Database, _ query: PostgresQuery) async throws -> Int64 {
        var value: Int64 = 0
        for try await row in try await db.client.query(query, logger: db.logger).decode(Int64.self) { value = row }
        return value
    }
}

/// The callbacks' sequence numbers, each taken once, and the end of a phase.
final class SequenceNumbers: Sendable {
    private let next = Atomic<Int>(1)
    private let finished = Atomic<Bool>(false)

    func take() -> Int { next.wrappingAdd(1, ordering: .relaxed).oldValue }
    func finish() { finished.store(true, ordering: .relaxed) }
    var isFinished: Bool { finished.load(ordering: .relaxed) }
}

/// Latencies gathered from many tasks.
final class Latencies: Sendable {
    private let values = Mutex<[Duration]>([])

    func add(_ latency: Duration) { values.withLock { $0.append(latency) } }
    var all: [Duration] { values.withLock { $0 } }
}

/// `dialer-lab bench privacy`.
struct BenchPrivacyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "privacy",
        abstract: "Purge old conversations from a seeded database while status callbacks are written; rows/s and callback latency.",
        discussion: """
            Starts a throwaway cluster (fsync on), seeds --calls ended calls with their \
            transcripts, callbacks, stream rows, Tasks and call.ended events (half 100 days \
            old, half 10), then writes status callbacks to live calls at \
            --callbacks-per-second through the webhook's own write path: for --seconds alone, \
            then while the workers' purge of calls older than 90 days runs.

            Example:
              .build/release/dialer-lab bench privacy --calls 100000 --callbacks-per-second 200
            """
    )

    @Option(help: "Ended calls to seed.") var calls = 100_000
    @Option(help: "Status callbacks written per second, before and during the purge.") var callbacksPerSecond = 200.0
    @Option(help: "Seconds of callbacks alone, the baseline.") var seconds = 20.0
    @Option(help: "Calls per purge batch (the workers' default).") var batch = PrivacyPacing().batchSize
    @Option(help: "Milliseconds between batches (the workers' default).") var pauseMs = Int(PrivacyPacing().pause.seconds * 1000)

    func run() async throws {
        guard calls > 0, callbacksPerSecond > 0, seconds > 0 else {
            throw ValidationError("--calls, --callbacks-per-second and --seconds must be above 0")
        }
        var settings = PrivacyBenchmark.Settings()
        settings.calls = calls
        settings.callbacksPerSecond = callbacksPerSecond
        settings.seconds = seconds
        settings.pacing.batchSize = batch
        settings.pacing.pause = .milliseconds(pauseMs)
        var logger = Logger(label: "dialer-lab.bench.privacy")
        logger.logLevel = .warning
        let report = try await PrivacyBenchmark(settings: settings, logger: logger).run { line in
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        print(report)
    }
}
