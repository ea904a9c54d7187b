import Backoff
import PostgresNIO
import Redaction

/// The end of a run: complete, fail, snooze, cancel, release. Each is fenced by the lease,
/// takes one round trip for any number of jobs, and returns the leases it applied to:
/// a lease missing from the result belonged to a job that was rescued or already finished.
extension JobQueue {
    /// The job ran; it is final.
    @discardableResult
    public func complete(_ leases: [JobLease]) async throws -> Set<JobLease> {
        guard !leases.isEmpty else { return [] }
        return try await Self.leases(
            client.query(
                FencedUpdate(leases).query(
                    set: """
                        state = 'completed', finalized_at = now(), lease_owner = NULL, lease_expires_at = NULL
                        """
                ),
                logger: logger
            )
        )
    }

    /// The jobs failed: each retries after its delay, or is discarded when permanent or out
    /// of attempts. The error is appended to the job's `errors`.
    /// Returns, for each lease applied, the state it went to (`retryable` or `discarded`).
    @discardableResult
    public func fail(_ failures: [JobFailure]) async throws -> [JobLease: JobState] {
        guard !failures.isEmpty else { return [:] }
        var update = FencedUpdate(failures.map(\.lease))
        update.column("error_type", "text[]", failures.map(\.errorType))
        update.column("message", "text[]", failures.map { PhoneNumberRedaction.redacting($0.message) })
        update.column("permanent", "bool[]", failures.map(\.permanent))
        update.column("delay", "float8[]", failures.map(\.retryDelay))
        let gives_up = "(target.permanent OR j.attempt >= j.max_attempts)"
        let rows = try await client.query(
            update.query(
                set: """
                    state = CASE WHEN \(gives_up) THEN 'discarded' ELSE 'retryable' END,
                    run_at = CASE WHEN \(gives_up) THEN j.run_at ELSE now() + make_interval(secs => target.delay) END,
                    finalized_at = CASE WHEN \(gives_up) THEN now() END,
                    errors = j.errors || jsonb_build_array(jsonb_build_object(
                        'at', now(), 'attempt', j.attempt, 'kind', target.error_type,
                        'message', target.message, 'owner', j.lease_owner, 'permanent', target.permanent)),
                    lease_owner = NULL, lease_expires_at = NULL
                    """,
                returning: "j.id, j.attempt, j.state"
            ),
            logger: logger
        )
        var states: [JobLease: JobState] = [:]
        for try await (id, attempt, state) in rows.decode((Int64, Int, String).self) {
            states[JobLease(id: id, attempt: attempt)] = JobState(rawValue: state)
        }
        return states
    }

    /// Puts the jobs back to run after `delay` without spending an attempt: the claim's
    /// attempt stays (it is the fence), and max_attempts grows by one instead.
    @discardableResult
    public func snooze(_ leases: [JobLease], for delay: Duration) async throws -> Set<JobLease> {
        try await requeue(leases, after: delay, note: nil)
    }

    /// The handler decided the jobs should not run again.
    @discardableResult
    public func cancel(_ leases: [JobLease], reason: String) async throws -> Set<JobLease> {
        guard !leases.isEmpty else { return [] }
        var update = FencedUpdate(leases)
        let message = update.bind(PhoneNumberRedaction.redacting(reason))
        return try await Self.leases(
            client.query(
                update.query(
                    set: """
                        state = 'cancelled', finalized_at = now(), lease_owner = NULL, lease_expires_at = NULL,
                        errors = j.errors || jsonb_build_array(jsonb_build_object(
                            'at', now(), 'attempt', j.attempt, 'kind', 'cancelled', 'message', \(message)::text, 'owner', j.lease_owner))
                        """
                ),
                logger: logger
            )
        )
    }

    /// Hands unfinished jobs back at shutdown, runnable at once by another worker, without
    /// spending an attempt; the hand-back is recorded in the jobs' errors.
    @discardableResult
    public func release(_ leases: [JobLease], reason: String) async throws -> Set<JobLease> {
        try await requeue(leases, after: .zero, note: reason)
    }

    /// Back to `available` after `delay` with the attempt budget unchanged (max_attempts + 1,
    /// since the claim already counted one); with a `note`, recorded as a `released` entry.
    /// Jobs runnable at once wake the idle workers of their kinds.
    func requeue(_ leases: [JobLease], after delay: Duration, note: String?) async throws -> Set<JobLease> {
        guard !leases.isEmpty else { return [] }
        var update = FencedUpdate(leases)
        let seconds = update.bind(delay.seconds)
        let errors =
            note.map { message in
                """
                , errors = j.errors || jsonb_build_array(jsonb_build_object(
                    'at', now(), 'attempt', j.attempt, 'kind', 'released', 'message', \(update.bind(PhoneNumberRedaction.redacting(message)))::text, 'owner', j.lease_owner))
                """
            } ?? ""
        let rows = try await client.query(
            update.query(
                set: """
                    state = 'available', run_at = now() + make_interval(secs => \(seconds)),
                    max_attempts = j.max_attempts + 1, lease_owner = NULL, lease_expires_at = NULL
                    """ + errors,
                returning: "j.id, j.attempt, j.kind"
            ),
            logger: logger
        )
        var requeued: Set<JobLease> = []
        var kinds: Set<String> = []
        for try await (id, attempt, kind) in rows.decode((Int64, Int, String).self) {
            requeued.insert(JobLease(id: id, attempt: attempt))
            kinds.insert(kind)
        }
        if delay <= .zero { try await notify(kinds: kinds) }
        return requeued
    }

    /// Wakes idle workers of these kinds: releases, rescues and retries are updates, which the
    /// insert trigger does not see.
    public func notify(kinds: some Collection<String>) async throws {
        guard !kinds.isEmpty else { return }
        try await client.query(
            "SELECT pg_notify(\(Self.notifyChannel), kind) FROM unnest(\(Array(kinds))::text[]) AS kind",
            logger: logger
        )
    }
}
