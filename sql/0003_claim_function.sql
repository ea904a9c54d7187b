-- Claiming as a function, so its plan does not depend on table statistics.
--
-- A queue's statistics are wrong by design: a campaign import enqueues 100,000 jobs into a
-- table that ANALYZE last saw empty. With such estimates the planner picks a bitmap scan of
-- jobs_claimable plus a sort, which reads every claimable entry (dead ones too: bitmap scans
-- never mark index entries dead) on every claim, so each claim costs O(queue length).
-- The SET clauses apply to this function's statement only: an ordered scan of jobs_claimable
-- that stops after max_jobs rows, and marks the dead entries it passes so later claims skip them.
CREATE FUNCTION dialer.claim_jobs(kinds text[], max_jobs integer, owner text, lease_seconds double precision)
RETURNS SETOF dialer.jobs
LANGUAGE sql
SET enable_bitmapscan = off
SET enable_sort = off
SET enable_seqscan = off
AS $$
    WITH next AS (
        SELECT id FROM dialer.jobs
        WHERE state IN ('available', 'retryable') AND run_at <= now() AND kind = ANY(kinds)
        ORDER BY priority, run_at, id
        LIMIT max_jobs
        FOR UPDATE SKIP LOCKED
    )
    UPDATE dialer.jobs AS j
    SET state = 'running', attempt = j.attempt + 1, attempted_at = now(),
        lease_owner = owner, lease_expires_at = now() + make_interval(secs => lease_seconds)
    FROM next
    WHERE j.id = next.id
    RETURNING j.*
$$;
