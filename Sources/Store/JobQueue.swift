import Backoff
import Foundation
import Logging
import PostgresNIO

/// The durable job queue: enqueue, claim, and every fenced transition of a running job.
///
/// Each method is one SQL statement, so one round trip, however many jobs it names.
/// Concurrency comes from Postgres: claims use `FOR UPDATE SKIP LOCKED`; updates of running
/// jobs lock their rows in id order and match `(id, attempt, state = 'running')`.
public struct JobQueue: Sendable {
    /// The NOTIFY channel that enqueues and releases signal on, with the job's kind as payload.
    public static let notifyChannel = "dialer_jobs"

    public let database: Database

    public init(database: Database) {
        self.database = database
    }

    var client: PostgresClient { database.client }
    var logger: Logger { database.logger }

    // MARK: Enqueue

    /// Enqueues one job; with a unique key that is still open, returns the open job instead.
    @discardableResult
    public func enqueue(_ job: NewJob) async throws -> EnqueuedJob {
        try await enqueue([job])[0]
    }

    /// Enqueues many jobs in one round trip. Results come back in input order; a job whose
    /// unique key is open (in the database or earlier in this batch) gets the open job's id
    /// with `inserted == false`.
    @discardableResult
    public func enqueue(_ jobs: [NewJob]) async throws -> [EnqueuedJob] {
        guard !jobs.isEmpty else { return [] }
        // ON CONFLICT DO UPDATE may not touch one row twice: send each key once.
        var firstIndexOfKey: [String: Int] = [:]
        var sent: [NewJob] = []
        var sentIndexOfInput: [Int] = []
        for (index, job) in jobs.enumerated() {
            if let key = job.uniqueKey, firstIndexOfKey[key] != nil { continue }
            if let key = job.uniqueKey { firstIndexOfKey[key] = sent.count }
            sentIndexOfInput.append(index)
            sent.append(job)
        }

        let kinds = sent.map(\.kind)
        let args = sent.map(\.argsJSON)
        let priorities = sent.map(\.priority)
        let maxAttempts = sent.map(\.maxAttempts)
        let uniqueKeys = sent.map { $0.uniqueKey ?? "" }
        let campaignIDs = sent.map { $0.campaignID ?? 0 }
        let absolute = sent.map { if case .at = $0.schedule { true } else { false } }
        let schedule: [Double] = sent.map {
            switch $0.schedule {
            case .now: 0
            case .after(let duration): duration.seconds
            case .at(let date): date.timeIntervalSince1970
            }
        }

        let rows = try await client.query(
            """
            WITH input AS MATERIALIZED (
                SELECT nextval('dialer.jobs_id_seq'::regclass) AS id, t.*
                FROM unnest(\(kinds)::text[], \(args)::text[], \(priorities)::int[], \(schedule)::float8[],
                            \(absolute)::bool[], \(maxAttempts)::int[], \(uniqueKeys)::text[], \(campaignIDs)::bigint[])
                     WITH ORDINALITY AS t(kind, args, priority, schedule, absolute, max_attempts, unique_key, campaign_id, ord)
            ), written AS (
                INSERT INTO dialer.jobs AS j (id, kind, args, priority, run_at, max_attempts, unique_key, campaign_id)
                SELECT id, kind, args::jsonb, priority,
                       CASE WHEN absolute THEN to_timestamp(schedule) ELSE now() + make_interval(secs => schedule) END,
                       max_attempts, NULLIF(unique_key, ''), NULLIF(campaign_id, 0)
                FROM input ORDER BY ord
                ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL AND state IN ('available', 'running', 'retryable')
                DO UPDATE SET unique_key = EXCLUDED.unique_key
                RETURNING j.id, j.unique_key, (j.xmax = 0) AS inserted
            )
            SELECT coalesce(by_id.id, by_key.id), coalesce(by_id.inserted, false)
            FROM input
            LEFT JOIN written AS by_id ON by_id.id = input.id
            LEFT JOIN written AS by_key ON input.unique_key <> '' AND by_key.unique_key = input.unique_key
            ORDER BY input.ord
            """,
            logger: logger
        )
        var written: [EnqueuedJob] = []
        written.reserveCapacity(sent.count)
        for try await (id, inserted) in rows.decode((Int64, Bool).self) {
            written.append(EnqueuedJob(id: id, inserted: inserted))
        }

        var results = [EnqueuedJob?](repeating: nil, count: jobs.count)
        for (sentIndex, inputIndex) in sentIndexOfInput.enumerated() {
            results[inputIndex] = written[sentIndex]
        }
        for (index, job) in jobs.enumerated() where results[index] == nil {
            let first = written[firstIndexOfKey[job.uniqueKey!]!]
            results[index] = EnqueuedJob(id: first.id, inserted: false)
        }
        return results.map { $0! }
    }

    // MARK: Claim and heartbeat

    /// Claims up to `limit` runnable jobs of `kinds`, most urgent first, for `owner`.
    /// Each claimed job is `running`, leased until now + `lease`, with its attempt incremented.
    public func claim(kinds: [String], limit: Int, owner: String, lease: Duration) async throws -> [Job] {
        guard limit > 0, !kinds.isEmpty else { return [] }
        let rows = try await client.query(
            """
            SELECT id, kind, args::text, attempt, max_attempts, priority::int, unique_key, campaign_id, created_at
            FROM dialer.claim_jobs(\(kinds)::text[], \(limit)::int, \(owner)::text, \(lease.seconds)::float8)
            """,
            logger: logger
        )
        var jobs: [Job] = []
        jobs.reserveCapacity(limit)
        for try await (id, kind, args, attempt, maxAttempts, priority, uniqueKey, campaignID, createdAt)
            in rows.decode((Int64, String, String, Int, Int, Int, String?, Int64?, Date).self)
        {
            jobs.append(Job(
                id: id, kind: kind, argsJSON: args, attempt: attempt, maxAttempts: maxAttempts,
                priority: priority, uniqueKey: uniqueKey, campaignID: campaignID, createdAt: createdAt
            ))
        }
        return jobs
    }

    /// Extends the leases of all `leases` still running at their attempt; returns the ones
    /// still held (a lease missing from the result was rescued or finished elsewhere).
    public func heartbeat(_ leases: [JobLease], lease: Duration) async throws -> Set<JobLease> {
        guard !leases.isEmpty else { return [] }
        var update = FencedUpdate(leases)
        let seconds = update.bind(lease.seconds)
        return try await Self.leases(client.query(
            update.query(set: "lease_expires_at = now() + make_interval(secs => \(seconds))"), logger: logger
        ))
    }

    static func leases(_ rows: PostgresRowSequence) async throws -> Set<JobLease> {
        var held: Set<JobLease> = []
        for try await (id, attempt) in rows.decode((Int64, Int).self) {
            held.insert(JobLease(id: id, attempt: attempt))
        }
        return held
    }
}

extension JobQueue {
    /// Makes sure the one job of `kind` exists: a job that never ends and snoozes between runs
    /// (`reconcile_calls`, `complete_campaigns`). Any number of workers may call this at once:
    /// the kind is its unique key.
    public func ensureRecurring(kind: String) async throws {
        struct Nothing: Encodable {}
        try await enqueue(NewJob(kind: kind, args: Nothing(), priority: 1, uniqueKey: kind))
    }
}
