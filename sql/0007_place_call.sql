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

-- The limiter gains not_before: a slot no earlier than that instant (epoch seconds). A call
-- takes its campaign's slot first, then the account's slot not before it, so the account's
-- spacing (the one Twilio enforces) is exact and the campaign's is never exceeded on average.
DROP FUNCTION dialer.reserve_rate_slot(text, double precision, double precision);

CREATE FUNCTION dialer.reserve_rate_slot(
    limiter_key text, calls_per_second double precision, max_wait_seconds double precision,
    not_before_epoch double precision DEFAULT NULL,
    OUT wait_seconds double precision, OUT slot_epoch double precision, OUT backlog_seconds double precision
)
LANGUAGE plpgsql AS $$
DECLARE
    emission interval := make_interval(secs => 1.0 / calls_per_second);
    now_db timestamptz := clock_timestamp();
    slot timestamptz;
BEGIN
    INSERT INTO dialer.rate_limits (key, tat) VALUES (limiter_key, now_db) ON CONFLICT (key) DO NOTHING;
    SELECT greatest(tat, now_db) INTO slot FROM dialer.rate_limits WHERE key = limiter_key FOR UPDATE;
    -- The lock may have been waited for: read the clock again.
    now_db := clock_timestamp();
    slot := greatest(slot, now_db, coalesce(to_timestamp(not_before_epoch), now_db));
    backlog_seconds := extract(epoch FROM slot - now_db);
    IF backlog_seconds > max_wait_seconds THEN
        wait_seconds := NULL;
        RETURN;
    END IF;
    UPDATE dialer.rate_limits SET tat = slot + emission, updated_at = now_db WHERE key = limiter_key;
    wait_seconds := backlog_seconds;
    slot_epoch := extract(epoch FROM slot);
END
$$;
