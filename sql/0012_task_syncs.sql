-- One Salesforce Task per ended call. The end of a call makes its row here (dialer.end_calls,
-- below), due a grace later; finalizer runs lease ready rows in batches, write them to Salesforce and
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
-- pauses all Task syncs until paused_until, each strike in a row doubling the pause. When a
-- pause ends, one run alone probes Salesforce (probe_until); the rest wait for its answer.
CREATE TABLE dialer.task_sync_pause (
    id           boolean     PRIMARY KEY DEFAULT true CHECK (id),
    paused_until timestamptz NOT NULL DEFAULT '-infinity',
    strikes      integer     NOT NULL DEFAULT 0,
    probe_until  timestamptz,
    reason       text,
    updated_at   timestamptz NOT NULL DEFAULT now()
);
INSERT INTO dialer.task_sync_pause DEFAULT VALUES;

-- Whether a finalizer run may write to Salesforce now: 0 when it may (the breaker is closed,
-- or this run is the one probe after a pause), otherwise the seconds to wait.
CREATE FUNCTION dialer.task_sync_gate(p_probe_seconds float8) RETURNS float8
LANGUAGE plpgsql AS $$
DECLARE
    gate dialer.task_sync_pause;
BEGIN
    SELECT * INTO gate FROM dialer.task_sync_pause;
    IF gate.strikes = 0 THEN
        RETURN 0;
    ELSIF gate.paused_until > now() THEN
        RETURN extract(epoch FROM gate.paused_until - now());
    END IF;
    UPDATE dialer.task_sync_pause SET probe_until = now() + make_interval(secs => p_probe_seconds), updated_at = now()
    WHERE strikes > 0 AND paused_until <= now() AND (probe_until IS NULL OR probe_until <= now())
    RETURNING * INTO gate;
    IF FOUND THEN
        RETURN 0;
    END IF;
    SELECT * INTO gate FROM dialer.task_sync_pause;
    IF gate.strikes = 0 THEN
        RETURN 0;
    END IF;
    RETURN greatest(extract(epoch FROM greatest(gate.probe_until, gate.paused_until) - now()), 0.1);
END
$$;

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
        SET state = 'pending', ready_at = now(), attempts = 0, lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
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

-- The end of a call makes its sync, pending and due once the finalize grace is over, in the
-- transaction that records the end: from then on the call counts as a Task to write, and a
-- finalizer run can take up to a whole batch of ready syncs, whoever's job found them.
CREATE OR REPLACE FUNCTION dialer.end_calls(
    p_contacts bigint[], p_campaigns bigint[], p_call_sids text[], p_next_keys text[], p_retry_after float8[],
    p_outcomes text[], p_place_call_kind text, p_finalize_kind text, p_finalize_grace float8
) RETURNS void
SET plan_cache_mode = force_generic_plan
LANGUAGE plpgsql AS $$
BEGIN
    WITH ended AS (
        SELECT * FROM unnest(p_contacts, p_campaigns, p_call_sids, p_next_keys, p_retry_after, p_outcomes)
            AS e(contact, campaign, sid, next_key, retry_after, outcome)
    ), next_call AS (
        INSERT INTO dialer.jobs (kind, args, campaign_id, unique_key, run_at)
        SELECT p_place_call_kind, jsonb_build_object('contactID', e.contact), e.campaign, e.next_key,
               now() + make_interval(secs => e.retry_after)
        FROM ended AS e WHERE e.retry_after >= 0
        ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL AND state IN ('available', 'running', 'retryable') DO NOTHING
    ), final_outcome AS (
        UPDATE dialer.contacts AS k SET outcome = e.outcome
        FROM ended AS e WHERE k.id = e.contact AND k.outcome IS NULL AND e.outcome <> ''
    ), sync AS (
        INSERT INTO dialer.task_syncs (call_sid, attempt_id, campaign_id, ready_at)
        SELECT e.sid, c.attempt_id, e.campaign, now() + make_interval(secs => p_finalize_grace)
        FROM ended AS e JOIN dialer.calls AS c ON c.call_sid = e.sid
        ON CONFLICT (call_sid) DO NOTHING
    )
    INSERT INTO dialer.jobs (kind, args, campaign_id, unique_key, run_at)
    SELECT p_finalize_kind, jsonb_build_object('callSID', e.sid), e.campaign, 'finalize:' || e.sid,
           now() + make_interval(secs => p_finalize_grace)
    FROM ended AS e
    ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL AND state IN ('available', 'running', 'retryable') DO NOTHING;
END
$$;

-- How a call ended, in the words a Salesforce user reads: the Task's CallDisposition and
-- Subject, and call_outcomes' disposition, from one place.
CREATE FUNCTION dialer.call_disposition(status text, answered_by text, answered boolean) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN status = 'completed' AND (answered_by LIKE 'machine%' OR answered_by = 'fax') THEN 'Voicemail'
        WHEN status = 'completed' AND answered THEN 'Answered'
        WHEN status IN ('completed', 'no-answer') THEN 'No Answer'
        WHEN status = 'busy' THEN 'Busy'
        WHEN status = 'canceled' THEN 'Canceled'
        WHEN status = 'failed' THEN 'Failed'
        ELSE 'In Progress'
    END
$$;

-- A number as operators may see it: the last four digits.
CREATE FUNCTION dialer.masked_phone(phone text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN phone IS NULL THEN NULL ELSE '…' || right(phone, 4) END
$$;

-- One row per campaign: its import, where its contacts stand, its calls, its Tasks.
DROP VIEW dialer.campaign_progress;
CREATE VIEW dialer.campaign_progress AS
SELECT c.id,
       c.name,
       c.status,
       c.salesforce_total,
       c.records_seen,
       coalesce(k.contacts, 0)                AS contacts,
       coalesce(k.callable, 0)                AS callable,
       coalesce(k.skipped_do_not_call, 0)     AS skipped_do_not_call,
       coalesce(k.skipped_internal_dnc, 0)    AS skipped_internal_dnc,
       coalesce(k.skipped_invalid_phone, 0)   AS skipped_invalid_phone,
       coalesce(k.skipped_duplicate_phone, 0) AS skipped_duplicate_phone,
       coalesce(k.skipped_no_time_zone, 0)    AS skipped_no_time_zone,
       coalesce(k.callable - k.done - k.in_progress, 0) AS pending,
       coalesce(k.in_progress, 0)             AS in_progress,
       coalesce(k.done, 0)                    AS done,
       coalesce(k.done_answered, 0)           AS done_answered,
       coalesce(k.done_voicemail_left, 0)     AS done_voicemail_left,
       coalesce(k.done_machine, 0)            AS done_machine,
       coalesce(k.done_busy, 0)               AS done_busy,
       coalesce(k.done_no_answer, 0)          AS done_no_answer,
       coalesce(k.done_failed, 0)             AS done_failed,
       coalesce(k.done_other, 0)              AS done_other,
       coalesce(calls.placed, 0)              AS calls_placed,
       coalesce(calls.answered, 0)            AS calls_answered,
       calls.avg_duration_seconds,
       coalesce(tasks.synced, 0)              AS tasks_synced,
       coalesce(tasks.failed, 0)              AS tasks_failed,
       coalesce(tasks.pending, 0)             AS tasks_pending,
       c.import_error,
       c.created_at,
       c.imported_at
FROM dialer.campaigns AS c
LEFT JOIN LATERAL (
    SELECT count(*)                                                   AS contacts,
           count(*) FILTER (WHERE skip_reason IS NULL)                AS callable,
           count(*) FILTER (WHERE skip_reason = 'do_not_call')        AS skipped_do_not_call,
           count(*) FILTER (WHERE skip_reason = 'internal_dnc')       AS skipped_internal_dnc,
           count(*) FILTER (WHERE skip_reason = 'invalid_phone')      AS skipped_invalid_phone,
           count(*) FILTER (WHERE skip_reason = 'duplicate_phone')    AS skipped_duplicate_phone,
           count(*) FILTER (WHERE skip_reason = 'no_time_zone')       AS skipped_no_time_zone,
           count(*) FILTER (WHERE skip_reason IS NULL AND outcome IS NOT NULL) AS done,
           count(*) FILTER (WHERE skip_reason IS NULL AND outcome IS NULL AND in_call) AS in_progress,
           count(*) FILTER (WHERE outcome = 'answered')               AS done_answered,
           count(*) FILTER (WHERE outcome = 'voicemail_left')         AS done_voicemail_left,
           count(*) FILTER (WHERE outcome = 'machine')                AS done_machine,
           count(*) FILTER (WHERE outcome = 'busy')                   AS done_busy,
           count(*) FILTER (WHERE outcome = 'no_answer')              AS done_no_answer,
           count(*) FILTER (WHERE outcome = 'failed')                 AS done_failed,
           count(*) FILTER (WHERE outcome NOT IN ('answered', 'voicemail_left', 'machine', 'busy', 'no_answer', 'failed')) AS done_other
    FROM (
        SELECT k.skip_reason, k.outcome,
               -- Dialing, or on a call that has not ended: the contact is in progress.
               EXISTS (
                   SELECT 1 FROM dialer.call_attempts AS a LEFT JOIN dialer.calls AS cl ON cl.attempt_id = a.id
                   WHERE a.contact_id = k.id
                     AND (a.state IN ('dialing', 'unknown') OR (a.state = 'placed' AND cl.ended_at IS NULL))
               ) AS in_call
        FROM dialer.contacts AS k WHERE k.campaign_id = c.id
    ) AS k
) AS k ON true
LEFT JOIN LATERAL (
    SELECT count(*) FILTER (WHERE a.state = 'placed')         AS placed,
           count(cl.answered_at)                              AS answered,
           round(avg(cl.duration_seconds) FILTER (WHERE cl.answered_at IS NOT NULL AND cl.ended_at IS NOT NULL), 1) AS avg_duration_seconds
    FROM dialer.call_attempts AS a LEFT JOIN dialer.calls AS cl ON cl.attempt_id = a.id
    WHERE a.campaign_id = c.id
) AS calls ON true
LEFT JOIN LATERAL (
    SELECT count(*) FILTER (WHERE s.state = 'synced')  AS synced,
           count(*) FILTER (WHERE s.state = 'failed')  AS failed,
           count(*) FILTER (WHERE s.state = 'pending') AS pending
    FROM dialer.task_syncs AS s WHERE s.campaign_id = c.id
) AS tasks ON true;

-- One row per placed call: who (Salesforce id, the number's last digits), how it went, how
-- much was said, and where its Task stands.
CREATE VIEW dialer.call_outcomes AS
SELECT cp.name AS campaign,
       k.salesforce_id AS contact,
       dialer.masked_phone(a.to_e164) AS phone,
       a.attempt_number AS attempt,
       a.call_sid,
       coalesce(cl.status, a.state) AS status,
       dialer.call_disposition(cl.status, cl.answered_by, cl.answered_at IS NOT NULL) AS disposition,
       cl.answered_by,
       cl.duration_seconds,
       (SELECT count(*) FROM dialer.transcript_entries AS t WHERE t.call_sid = a.call_sid) AS transcript_entries,
       k.outcome AS contact_outcome,
       s.state AS task_sync,
       s.salesforce_task_id,
       a.created_at AS dialed_at,
       cl.ended_at
FROM dialer.call_attempts AS a
JOIN dialer.contacts AS k ON k.id = a.contact_id
JOIN dialer.campaigns AS cp ON cp.id = a.campaign_id
LEFT JOIN dialer.calls AS cl ON cl.attempt_id = a.id
LEFT JOIN dialer.task_syncs AS s ON s.call_sid = a.call_sid;

-- Task syncs that failed, and pending ones held back by an error: what `dialer tasks failed`
-- lists and `dialer tasks retry` (or dialer.retry_task_sync) re-queues.
CREATE VIEW dialer.task_sync_failures AS
SELECT s.call_sid,
       cp.name AS campaign,
       s.campaign_id,
       k.salesforce_id AS contact,
       s.state,
       s.attempts,
       s.last_error_code,
       s.last_error,
       s.ready_at AS next_try_at,
       s.updated_at
FROM dialer.task_syncs AS s
JOIN dialer.campaigns AS cp ON cp.id = s.campaign_id
JOIN dialer.call_attempts AS a ON a.id = s.attempt_id
JOIN dialer.contacts AS k ON k.id = a.contact_id
WHERE s.state = 'failed' OR (s.state = 'pending' AND s.last_error IS NOT NULL);

-- A read-only role for dashboards and on-call: it selects the views and nothing else (views
-- read their tables with their owner's rights, so no table is granted). Roles belong to the
-- whole cluster: made once, and only where the migrating role may make roles.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'dialer_monitor') THEN
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = current_user AND (rolsuper OR rolcreaterole)) THEN
            CREATE ROLE dialer_monitor NOLOGIN;
        ELSE
            RAISE NOTICE 'dialer_monitor not created: % may not create roles; see docs/MONITORING.md', current_user;
            RETURN;
        END IF;
    END IF;
    GRANT USAGE ON SCHEMA dialer TO dialer_monitor;
    GRANT SELECT ON dialer.campaign_progress, dialer.call_outcomes, dialer.task_sync_failures,
                    dialer.job_counts, dialer.stuck_jobs, dialer.discarded_jobs TO dialer_monitor;
END
$$;

-- Calls in flight, for the reconciler that asks Twilio about calls whose callbacks stopped.
CREATE INDEX call_attempts_open_calls ON dialer.call_attempts (updated_at) WHERE state = 'placed' AND ended_at IS NULL;
