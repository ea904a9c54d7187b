-- One Salesforce Task per ended call. The finalize job makes the call's row here once its
-- stream has closed; finalizer runs lease ready rows in batches, write them to Salesforce and
-- record the Task id. Operators see failures in SQL and re-queue them with one function.

CREATE TABLE dialer.task_syncs (
    call_sid            text        PRIMARY KEY,
    attempt_id          uuid        NOT NULL REFERENCES dialer.call_attempts (id),
    campaign_id         bigint      NOT NULL REFERENCES dialer.campaigns (id),
    state               text        NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'synced', 'failed')),
    salesforce_task_id  text,
    -- Writes tried so far (a write refused by the request-limit breaker is not one).
    attempts            integer     NOT NULL DEFAULT 0,
    -- Committed before every write to Salesforce: a sync that has it may have created its Task
    -- already (a crash after Salesforce answered, before our commit), so it looks the Task up
    -- by CallSid before creating one. A sync without it has never been sent.
    sent_at             timestamptz,
    ready_at            timestamptz NOT NULL DEFAULT now(),
    -- A finalizer run's lease on the row while it writes; an expired lease frees it.
    lease_owner         text,
    lease_expires_at    timestamptz,
    last_error          text,
    last_error_code     text,
    -- The Contact's DoNotCall set in Salesforce, for a call with an opt-out.
    do_not_call_synced_at timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    synced_at           timestamptz,
    CHECK ((state = 'synced') = (salesforce_task_id IS NOT NULL AND synced_at IS NOT NULL))
);

CREATE INDEX task_syncs_ready ON dialer.task_syncs (ready_at) WHERE state = 'pending';
CREATE INDEX task_syncs_campaign ON dialer.task_syncs (campaign_id, state);

-- One breaker for every finalizer in every process: Salesforce's REQUEST_LIMIT_EXCEEDED
-- pauses all Task syncs until paused_until, each strike in a row doubling the pause.
CREATE TABLE dialer.task_sync_pause (
    id           boolean     PRIMARY KEY DEFAULT true CHECK (id),
    paused_until timestamptz NOT NULL DEFAULT '-infinity',
    strikes      integer     NOT NULL DEFAULT 0,
    reason       text,
    updated_at   timestamptz NOT NULL DEFAULT now()
);
INSERT INTO dialer.task_sync_pause DEFAULT VALUES;

-- Re-queues failed Task syncs: each goes back to pending, ready now, with a finalize job to
-- write it (the jobs table's trigger wakes the workers). Filters combine; with none at all
-- it refuses, unless p_all_failed. Returns the number re-queued.
CREATE FUNCTION dialer.retry_task_sync(
    p_campaign_id bigint DEFAULT NULL, p_call_sid text DEFAULT NULL, p_since timestamptz DEFAULT NULL,
    p_all_failed boolean DEFAULT false, p_finalize_kind text DEFAULT 'finalize_call'
) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    requeued integer;
BEGIN
    IF p_campaign_id IS NULL AND p_call_sid IS NULL AND p_since IS NULL AND NOT p_all_failed THEN
        RAISE EXCEPTION 'retry_task_sync: name a campaign, a CallSid or a time, or pass p_all_failed => true'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    WITH requeued AS (
        UPDATE dialer.task_syncs AS s
        SET state = 'pending', ready_at = now(), lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
        WHERE s.state = 'failed'
          AND (p_campaign_id IS NULL OR s.campaign_id = p_campaign_id)
          AND (p_call_sid IS NULL OR s.call_sid = p_call_sid)
          AND (p_since IS NULL OR s.updated_at >= p_since)
        RETURNING s.call_sid, s.campaign_id
    ), jobs AS (
        INSERT INTO dialer.jobs (kind, args, campaign_id, unique_key)
        SELECT p_finalize_kind, jsonb_build_object('callSID', r.call_sid), r.campaign_id, 'finalize:' || r.call_sid
        FROM requeued AS r
        ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL AND state IN ('available', 'running', 'retryable') DO NOTHING
    )
    SELECT count(*) INTO requeued FROM requeued;
    RETURN requeued;
END
$$;
