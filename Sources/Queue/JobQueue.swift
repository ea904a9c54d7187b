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

    /// The pool the queue's statements run on.
    public let client: PostgresClient
    /// The pool the runner LISTENs through: `client`, unless statements go through a pooler
    /// in transaction mode (PgBouncer), where a session's LISTEN is not kept.
    public let listener: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, listener: PostgresClient? = nil, logger: Logger) {
        self.client = client
        self.listener = listener ?? client
        self.logger = logger
    }

    // MARK: Enqueue

    /// Enqueues one job; with a unique key that is still open, returns the open job instead.
    @discardableResult
    public func enqueue(_ job: NewJob) async throws -> EnqueuedJob {
        try await enqueue([job])[0]
    }

    /// Enqueues many jobs in one round trip, through `dialer.enqueue_jobs`, the one entry point
    /// SQL enqueuers use too. Results come back in input order; a job whose unique key is open
    /// (in the database or earlier in this batch) gets the open job's id with `inserted == false`.
    @discardableResult
    public func enqueue(_ jobs: [NewJob]) async throws -> [EnqueuedJob] {
        guard !jobs.isEmpty else { return [] }
        // Arrays of the database's own values: '' and 0 stand for no key and no group, and
        // `schedule` is seconds from now, or since 1970 where `absolute`.
        let absolute = jobs.map { if case .at = $0.schedule { true } else { false } }
        let schedule: [Double] = jobs.map {
            switch $0.schedule {
            case .now: 0
            case .after(let duration): duration.seconds
            case .at(let date): date.timeIntervalSince1970
            }
        }
        let rows = try await client.query(
            """
            SELECT id, inserted FROM dialer.enqueue_jobs(
                \(jobs.map(\.kind))::text[], \(jobs.map(\.argsJSON))::text[]::jsonb[],
                array_replace(\(jobs.map { $0.uniqueKey ?? "" })::text[], '', NULL),
                array_replace(\(jobs.map { $0.groupID ?? 0 })::bigint[], 0, NULL),
                \(jobs.map(\.priority))::int[], \(jobs.map(\.maxAttempts))::int[],
                p_run_at => ARRAY(SELECT CASE WHEN a THEN to_timestamp(s) END
                                  FROM unnest(\(absolute)::bool[], \(schedule)::float8[]) WITH ORDINALITY AS u(a, s, o) ORDER BY o),
                p_run_after => ARRAY(SELECT CASE WHEN NOT a THEN s END
                                     FROM unnest(\(absolute)::bool[], \(schedule)::float8[]) WITH ORDINALITY AS u(a, s, o) ORDER BY o))
            """,
            logger: logger
        )
        var results: [EnqueuedJob] = []
        results.reserveCapacity(jobs.count)
        for try await (id, inserted) in rows.decode((Int64, Bool).self) {
            results.append(EnqueuedJob(id: id, inserted: inserted))
        }
        return results
    }

    // MARK: Claim and heartbeat

    /// Claims up to `limit` runnable jobs of `kinds`, most urgent first, for `owner`.
    /// Each claimed job is `running`, leased until now + `lease`, with its attempt incremented.
    public func claim(kinds: [String], limit: Int, owner: String, lease: Duration) async throws -> [Job] {
        guard limit > 0, !kinds.isEmpty else { return [] }
        let rows = try await client.query(
            """
            SELECT id, kind, args::text, attempt, max_attempts, priority::int, unique_key, campaign_id AS group_id, created_at,
                   (SELECT count(*) FROM jsonb_array_elements(errors) e WHERE e->>'kind' NOT IN ('released', 'rescued', 'cancelled'))::int
            FROM dialer.claim_jobs(\(kinds)::text[], \(limit)::int, \(owner)::text, \(lease.seconds)::float8)
            """,
            logger: logger
        )
        var jobs: [Job] = []
        jobs.reserveCapacity(limit)
        for try await (id, kind, args, attempt, maxAttempts, priority, uniqueKey, groupID, createdAt, failures)
            in rows.decode((Int64, String, String, Int, Int, Int, String?, Int64?, Date, Int).self)
        {
            jobs.append(
                Job(
                    id: id,
                    kind: kind,
                    argsJSON: args,
                    attempt: attempt,
                    maxAttempts: maxAttempts,
                    priority: priority,
                    uniqueKey: uniqueKey,
                    groupID: groupID,
                    createdAt: createdAt,
                    failures: failures
                )
            )
        }
        return jobs
    }

    /// Extends the leases of all `leases` still running at their attempt; returns the ones
    /// still held (a lease missing from the result was rescued or finished elsewhere).
    public func heartbeat(_ leases: [JobLease], lease: Duration) async throws -> Set<JobLease> {
        guard !leases.isEmpty else { return [] }
        var update = FencedUpdate(leases)
        let seconds = update.bind(lease.seconds)
        return try await Self.leases(
            client.query(
                update.query(set: "lease_expires_at = now() + make_interval(secs => \(seconds))"),
                logger: logger
            )
        )
    }

    static func leases(_ rows: PostgresRowSequence) async throws -> Set<JobLease> {
        var held: Set<JobLease> = []
        for try await (id, attempt) in rows.decode((Int64, Int).self) {
            held.insert(JobLease(id: id, attempt: attempt))
        }
        return held
    }
}
