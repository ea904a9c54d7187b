import Backoff
import Foundation
import PostgresNIO

/// What keeps the queue whole over time: the rescuer, the pruner, and the operator's retry.
extension JobQueue {
    /// A job the rescuer took back from a dead or stalled worker.
    public struct RescuedJob: Sendable, Equatable {
        public let id: Int64
        public let kind: String
        /// `available` to run again, or `discarded` when it had no attempts left.
        public let state: JobState

        public init(id: Int64, kind: String, state: JobState) {
            self.id = id
            self.kind = kind
            self.state = state
        }
    }

    /// Returns running jobs whose lease expired to `available` (or `discarded` when out of
    /// attempts), recording the rescue in their errors. Safe to run from every worker at once.
    public func rescueExpired(limit: Int = 1000) async throws -> [RescuedJob] {
        let rows = try await client.query(
            """
            WITH expired AS (
                SELECT id FROM dialer.jobs
                WHERE state = 'running' AND lease_expires_at < now()
                ORDER BY lease_expires_at
                LIMIT \(limit)
                FOR UPDATE SKIP LOCKED
            )
            UPDATE dialer.jobs AS j SET
                state = CASE WHEN j.attempt >= j.max_attempts THEN 'discarded' ELSE 'available' END,
                finalized_at = CASE WHEN j.attempt >= j.max_attempts THEN now() END,
                run_at = now(),
                errors = j.errors || jsonb_build_array(jsonb_build_object(
                    'at', now(), 'attempt', j.attempt, 'kind', 'rescued',
                    'message', 'lease expired at ' || j.lease_expires_at || ': its worker died or stalled',
                    'owner', j.lease_owner)),
                lease_owner = NULL, lease_expires_at = NULL
            FROM expired WHERE j.id = expired.id
            RETURNING j.id, j.kind, j.state
            """,
            logger: logger
        )
        var rescued: [RescuedJob] = []
        for try await (id, kind, state) in rows.decode((Int64, String, String).self) {
            rescued.append(RescuedJob(id: id, kind: kind, state: JobState(rawValue: state) ?? .available))
        }
        try await notify(kinds: Set(rescued.filter { $0.state == .available }.map(\.kind)))
        return rescued
    }

    /// Deletes finished jobs older than their retention, at most `limit` a call.
    /// Completed and cancelled jobs go after `finished`; discarded ones, which operators
    /// may still want to retry, after `discarded`. Returns how many were deleted.
    @discardableResult
    public func prune(finished: Duration, discarded: Duration, limit: Int = 10_000) async throws -> Int {
        let rows = try await client.query(
            """
            WITH doomed AS (
                SELECT id FROM dialer.jobs
                WHERE state IN ('completed', 'cancelled', 'discarded')
                  AND finalized_at < now() - make_interval(secs => CASE WHEN state = 'discarded' THEN \(discarded.seconds) ELSE \(finished.seconds) END)
                LIMIT \(limit)
                FOR UPDATE SKIP LOCKED
            )
            DELETE FROM dialer.jobs AS j USING doomed WHERE j.id = doomed.id
            RETURNING j.id
            """,
            logger: logger
        )
        var count = 0
        for try await _ in rows { count += 1 }
        return count
    }

    /// Moves discarded jobs of `kind` (or the one job `id`) back to available with one more
    /// attempt. A job whose unique key is held by an open job stays discarded: the open one
    /// already does its work. Returns the ids moved.
    public func retryDiscarded(kind: String?, id: Int64?) async throws -> [Int64] {
        let rows = try await client.query(
            """
            UPDATE dialer.jobs AS j SET
                state = 'available', run_at = now(), finalized_at = NULL,
                max_attempts = greatest(j.max_attempts, j.attempt + 1)
            WHERE j.state = 'discarded'
              AND (\(kind)::text IS NULL OR j.kind = \(kind)::text)
              AND (\(id)::bigint IS NULL OR j.id = \(id)::bigint)
              AND (j.unique_key IS NULL OR NOT EXISTS (
                    SELECT 1 FROM dialer.jobs AS o
                    WHERE o.unique_key = j.unique_key AND dialer.job_is_open(o.state)))
            RETURNING j.id, j.kind
            """,
            logger: logger
        )
        var ids: [Int64] = []
        var kinds: Set<String> = []
        for try await (id, kind) in rows.decode((Int64, String).self) {
            ids.append(id)
            kinds.insert(kind)
        }
        try await notify(kinds: kinds)
        return ids.sorted()
    }

    /// One row of `dialer.job_counts`.
    public struct KindStateCount: Sendable, Equatable {
        public let kind: String
        public let state: JobState
        public let jobs: Int

        public init(kind: String, state: JobState, jobs: Int) {
            self.kind = kind
            self.state = state
            self.jobs = jobs
        }
    }

    /// The `dialer.job_counts` view, by kind then state.
    public func counts() async throws -> [KindStateCount] {
        let rows = try await client.query(
            "SELECT kind, state, jobs FROM dialer.job_counts ORDER BY kind, state",
            logger: logger
        )
        var counts: [KindStateCount] = []
        for try await (kind, state, jobs) in rows.decode((String, String, Int).self) {
            counts.append(KindStateCount(kind: kind, state: JobState(rawValue: state) ?? .available, jobs: jobs))
        }
        return counts
    }
}
