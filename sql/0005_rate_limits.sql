-- The global call rate: a GCRA ("generic cell rate algorithm") limiter per key (a Twilio
-- account), shared by every worker process on every host.
--
-- tat is the theoretical arrival time: the earliest instant the next slot may start. Each
-- reservation takes slot = greatest(tat, now) and moves tat one emission interval (1/rate)
-- on, under the row lock, so slots are at least 1/rate apart whatever the number of callers.
-- The database clock decides, so hosts with skewed clocks cannot crowd a window. A caller that
-- dies after reserving wastes its slot; nothing ever gives a slot back.
CREATE TABLE dialer.rate_limits (
    key        text        PRIMARY KEY,
    tat        timestamptz NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Reserves the next slot for key at rate calls per second, unless the slots already handed out
-- reach more than max_wait_seconds ahead (the caller then does other work and comes back).
-- Returns the seconds to wait before the slot starts (0 when it is now) and the slot's instant
-- by the database clock (epoch seconds), or NULLs when full, with backlog_seconds saying how
-- far ahead the reservations reach.
CREATE FUNCTION dialer.reserve_rate_slot(
    limiter_key text, calls_per_second double precision, max_wait_seconds double precision,
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
    slot := greatest(slot, now_db);
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
