-- What placing a call needs beyond 0005 and 0006.

-- When the call of an attempt ended (set by the status webhook on a terminal status), and the
-- rate slot it was dialed on. An attempt is "in flight" from its insert until ended_at, and
-- counts against its campaign's max_concurrent_calls.
ALTER TABLE dialer.call_attempts
    ADD COLUMN ended_at timestamptz,
    ADD COLUMN slot_at  timestamptz;

CREATE INDEX call_attempts_in_flight ON dialer.call_attempts (campaign_id)
    WHERE ended_at IS NULL AND state <> 'failed';

-- One attempt in the dialing or unknown state per contact at most: whatever job runs next for
-- the contact must reconcile it before anything is dialed.
CREATE UNIQUE INDEX call_attempts_one_unsettled ON dialer.call_attempts (contact_id)
    WHERE state IN ('dialing', 'unknown');

-- A call is paced by two limiters at once: its campaign's rate and the account's. Reserving
-- them one after the other would waste the first slot whenever the second is full (and a
-- waste moves a campaign's schedule on for nothing), or dial one of them late. So one function
-- takes every key's row, in key order (callers sharing keys cannot deadlock), and gives one
-- slot: the latest of their theoretical arrival times, or nothing at all when that is further
-- than max_wait_seconds away. Each key's tat then moves one emission interval of its own rate
-- past the slot, so every key's slots stay at least 1/rate apart.
DROP FUNCTION dialer.reserve_rate_slot(text, double precision, double precision);

CREATE FUNCTION dialer.reserve_rate_slot(
    limiter_keys text[], calls_per_second double precision[], max_wait_seconds double precision,
    OUT wait_seconds double precision, OUT slot_epoch double precision, OUT backlog_seconds double precision
)
LANGUAGE plpgsql AS $$
DECLARE
    now_db timestamptz := clock_timestamp();
    latest timestamptz;
    slot timestamptz;
BEGIN
    INSERT INTO dialer.rate_limits (key, tat)
    SELECT k, now_db FROM unnest(limiter_keys) AS k ORDER BY k
    ON CONFLICT (key) DO NOTHING;
    PERFORM 1 FROM dialer.rate_limits WHERE key = ANY (limiter_keys) ORDER BY key FOR UPDATE;
    SELECT max(tat) INTO latest FROM dialer.rate_limits WHERE key = ANY (limiter_keys);
    -- The locks may have been waited for: read the clock again.
    now_db := clock_timestamp();
    slot := greatest(latest, now_db);
    backlog_seconds := extract(epoch FROM slot - now_db);
    IF backlog_seconds > max_wait_seconds THEN
        wait_seconds := NULL;
        RETURN;
    END IF;
    UPDATE dialer.rate_limits AS r
    SET tat = slot + make_interval(secs => 1.0 / k.rate), updated_at = now_db
    FROM unnest(limiter_keys, calls_per_second) AS k (key, rate)
    WHERE r.key = k.key;
    wait_seconds := backlog_seconds;
    slot_epoch := extract(epoch FROM slot);
END
$$;
