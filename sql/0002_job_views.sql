-- Operator views over the queue. See docs/MONITORING.md for example queries.

-- How many jobs of each kind are in each state, and how far behind the runnable ones are.
CREATE VIEW dialer.job_counts AS
SELECT kind,
       state,
       count(*)::bigint AS jobs,
       max(now() - run_at) FILTER (WHERE state IN ('available', 'retryable') AND run_at <= now())
           AS oldest_runnable_wait,
       min(run_at) FILTER (WHERE state IN ('available', 'retryable') AND run_at > now())
           AS next_scheduled_at
FROM dialer.jobs
GROUP BY kind, state;

-- Running jobs whose lease has expired: their worker died or stalled. The rescuer returns
-- them to the queue; rows that stay here mean no worker is running the rescuer.
CREATE VIEW dialer.stuck_jobs AS
SELECT id,
       kind,
       attempt,
       max_attempts,
       lease_owner,
       attempted_at,
       lease_expires_at,
       now() - lease_expires_at AS overdue,
       args,
       errors -> -1 AS last_error
FROM dialer.jobs
WHERE state = 'running' AND lease_expires_at < now();

-- Jobs that gave up, with their last error: what `dialer jobs retry` brings back.
CREATE VIEW dialer.discarded_jobs AS
SELECT id,
       kind,
       attempt,
       max_attempts,
       finalized_at AS discarded_at,
       errors -> -1 ->> 'message' AS last_error,
       args
FROM dialer.jobs
WHERE state = 'discarded';
