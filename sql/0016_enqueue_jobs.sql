-- One way into the queue: the open states, the enqueue and the unique-key formats, each
-- written once. Every enqueue, from Swift (JobQueue.enqueue) or from SQL (the end of a call,
-- the Task-sync retry, the import, a campaign's import job), goes through dialer.enqueue_jobs.
-- The functions whose bodies inserted into dialer.jobs by hand are replaced below with the
-- same behaviour; their old bodies stay in 0010, 0012 and 0015, which databases have applied.

-- A job holds its unique key while it is open: queued, running, or waiting to retry.
-- (The unique index jobs_unique_key_open of 0001 spells the same list: an index predicate
-- cannot be replaced without rebuilding the index.) Simple enough that the planner inlines
-- it, so a predicate written with it still matches the partial indexes.
CREATE FUNCTION dialer.job_is_open(state text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT state IN ('available', 'running', 'retryable')
$$;

-- Enqueues a batch of jobs in one statement; rows come back in input order. A job whose
-- unique key is open (in the table, or earlier in this batch) is not inserted: its row gives
-- the open job's id with inserted = false. NULL arrays and NULL elements take the defaults:
-- no key, no group, priority 2, 25 attempts, runnable at run_at, else run_after seconds
-- from now, else now. group_id is opaque to the queue (the dialer stores a campaign id in
-- jobs.campaign_id, to pause and cancel a campaign's jobs together).
CREATE FUNCTION dialer.enqueue_jobs(
    p_kinds text[], p_args jsonb[], p_unique_keys text[] DEFAULT NULL, p_group_ids bigint[] DEFAULT NULL,
    p_priorities integer[] DEFAULT NULL, p_max_attempts integer[] DEFAULT NULL,
    p_run_at timestamptz[] DEFAULT NULL, p_run_after double precision[] DEFAULT NULL
) RETURNS TABLE (id bigint, inserted boolean)
-- PL/pgSQL, not SQL: its statement's plan is cached for the session.
LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    -- Ids are drawn in input order: jobs of one batch run in that order (claims go by
    -- priority, run_at, id).
    WITH numbered AS MATERIALIZED (
        SELECT t.*, nextval('dialer.jobs_id_seq'::regclass) AS new_id
        FROM unnest(p_kinds, p_args, p_unique_keys, p_group_ids, p_priorities, p_max_attempts, p_run_at, p_run_after)
             WITH ORDINALITY AS t(kind, args, unique_key, group_id, priority, max_attempts, run_at, run_after, ord)
    ), input AS MATERIALIZED (
        -- ON CONFLICT DO UPDATE may not touch one row twice: each key is sent once.
        SELECT n.*, n.unique_key IS NULL OR row_number() OVER (PARTITION BY n.unique_key ORDER BY n.ord) = 1 AS sent
        FROM numbered AS n
    ), written AS (
        INSERT INTO dialer.jobs AS j (id, kind, args, priority, run_at, max_attempts, unique_key, campaign_id)
        SELECT new_id, kind, coalesce(args, '{}'), coalesce(priority, 2),
               coalesce(run_at, now() + make_interval(secs => coalesce(run_after, 0))),
               coalesce(max_attempts, 25), unique_key, group_id
        FROM input WHERE sent ORDER BY ord
        -- DO UPDATE, not DO NOTHING: the open job's row comes back (and is locked), even when
        -- it was committed after this statement began and its snapshot cannot see it.
        ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL AND dialer.job_is_open(state)
        DO UPDATE SET unique_key = EXCLUDED.unique_key
        RETURNING j.id, j.unique_key, (j.xmax = 0) AS inserted
    )
    SELECT coalesce(by_id.id, by_key.id), coalesce(by_id.inserted, false)
    FROM input
    LEFT JOIN written AS by_id ON by_id.id = input.new_id
    LEFT JOIN written AS by_key ON input.unique_key IS NOT NULL AND by_key.unique_key = input.unique_key
    ORDER BY input.ord;
END
$$;

-- One job: its id (the open one's, when the key is held).
CREATE FUNCTION dialer.enqueue_job(
    p_kind text, p_args jsonb DEFAULT '{}', p_unique_key text DEFAULT NULL, p_group_id bigint DEFAULT NULL,
    p_priority integer DEFAULT 2, p_max_attempts integer DEFAULT 25, p_run_at timestamptz DEFAULT NULL
) RETURNS bigint
LANGUAGE sql AS $$
    SELECT id FROM dialer.enqueue_jobs(ARRAY[p_kind], ARRAY[p_args], ARRAY[p_unique_key], ARRAY[p_group_id],
                                       ARRAY[p_priority], ARRAY[p_max_attempts], ARRAY[p_run_at])
$$;

-- The unique-key formats of the kinds SQL enqueues (docs/ARCHITECTURE.md has the table; the
-- Swift job types that carry the same keys are checked against these by JobKeyFormatTests).

-- place_call: one per contact and call. The import's first call has no number (its format
-- predates retries); each retry is numbered from 2.
CREATE FUNCTION dialer.place_call_key(contact_id bigint, call_number integer DEFAULT NULL) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT 'place_call:' || contact_id || coalesce(':' || call_number, '')
$$;

-- finalize_call: one per ended call.
CREATE FUNCTION dialer.finalize_key(call_sid text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT 'finalize:' || call_sid
$$;

-- import_campaign: one per campaign.
CREATE FUNCTION dialer.import_key(campaign_id bigint) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT 'import:' || campaign_id
$$;

-- The end of calls (0012's body, which replaced 0010's), enqueueing through the entry point.
-- p_next_keys are dialer.place_call_key values the caller computed in the same statement.
CREATE OR REPLACE FUNCTION dialer.end_calls(
    p_contacts bigint[], p_campaigns bigint[], p_call_sids text[], p_next_keys text[], p_retry_after float8[],
    p_outcomes text[], p_place_call_kind text, p_finalize_kind text, p_finalize_grace float8
) RETURNS void
SET plan_cache_mode = force_generic_plan
LANGUAGE plpgsql AS $$
BEGIN
    -- The contact's next call, after the retry policy's delay (retry_after < 0: none).
    PERFORM dialer.enqueue_jobs(
        array_agg(p_place_call_kind ORDER BY e.ord), array_agg(jsonb_build_object('contactID', e.contact) ORDER BY e.ord),
        array_agg(e.next_key ORDER BY e.ord), array_agg(e.campaign ORDER BY e.ord),
        p_run_at => array_agg(now() + make_interval(secs => e.retry_after) ORDER BY e.ord))
    FROM unnest(p_contacts, p_campaigns, p_next_keys, p_retry_after) WITH ORDINALITY AS e(contact, campaign, next_key, retry_after, ord)
    WHERE e.retry_after >= 0
    HAVING count(*) > 0;

    UPDATE dialer.contacts AS k SET outcome = e.outcome
    FROM unnest(p_contacts, p_outcomes) AS e(contact, outcome)
    WHERE k.id = e.contact AND k.outcome IS NULL AND e.outcome <> '';

    INSERT INTO dialer.task_syncs (call_sid, attempt_id, campaign_id, ready_at)
    SELECT e.sid, c.attempt_id, e.campaign, now() + make_interval(secs => p_finalize_grace)
    FROM unnest(p_call_sids, p_campaigns) AS e(sid, campaign) JOIN dialer.calls AS c ON c.call_sid = e.sid
    ON CONFLICT (call_sid) DO NOTHING;

    -- The call's finalize job, once the grace is over.
    PERFORM dialer.enqueue_jobs(
        array_fill(p_finalize_kind, ARRAY[cardinality(p_call_sids)]),
        ARRAY(SELECT jsonb_build_object('callSID', sid) FROM unnest(p_call_sids) WITH ORDINALITY AS s(sid, ord) ORDER BY ord),
        ARRAY(SELECT dialer.finalize_key(sid) FROM unnest(p_call_sids) WITH ORDINALITY AS s(sid, ord) ORDER BY ord),
        p_campaigns,
        p_run_at => array_fill(now() + make_interval(secs => p_finalize_grace), ARRAY[cardinality(p_call_sids)]))
    WHERE cardinality(p_call_sids) > 0;
END
$$;

-- The operator's Task-sync retry (0012's body), enqueueing its finalize jobs through the entry point.
CREATE OR REPLACE FUNCTION dialer.retry_task_sync(
    p_campaign_id bigint DEFAULT NULL, p_call_sid text DEFAULT NULL, p_since timestamptz DEFAULT NULL,
    p_all_failed boolean DEFAULT false, p_finalize_kind text DEFAULT 'finalize_call'
) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    sids text[];
    campaigns bigint[];
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
    )
    SELECT coalesce(array_agg(call_sid), '{}'), coalesce(array_agg(campaign_id), '{}') INTO sids, campaigns FROM requeued;
    IF cardinality(sids) > 0 THEN
        PERFORM dialer.enqueue_jobs(
            array_fill(p_finalize_kind, ARRAY[cardinality(sids)]),
            ARRAY(SELECT jsonb_build_object('callSID', sid) FROM unnest(sids) WITH ORDINALITY AS s(sid, ord) ORDER BY ord),
            ARRAY(SELECT dialer.finalize_key(sid) FROM unnest(sids) WITH ORDINALITY AS s(sid, ord) ORDER BY ord),
            campaigns);
    END IF;
    RETURN cardinality(sids);
END
$$;

-- A campaign completes by itself (0015's body), with the open states from dialer.job_is_open.
CREATE OR REPLACE FUNCTION dialer.complete_finished_campaigns() RETURNS SETOF text
LANGUAGE sql AS $$
    UPDATE dialer.campaigns AS c
    SET status = 'completed', completed_at = now(), updated_at = now()
    WHERE c.status = 'active'
      AND c.imported_at IS NOT NULL
      AND NOT EXISTS (
          SELECT 1 FROM dialer.contacts AS k
          WHERE k.campaign_id = c.id AND k.skip_reason IS NULL AND k.outcome IS NULL)
      AND NOT EXISTS (
          SELECT 1 FROM dialer.call_attempts AS a LEFT JOIN dialer.calls AS cl ON cl.attempt_id = a.id
          WHERE a.campaign_id = c.id
            AND (a.state IN ('dialing', 'unknown') OR (a.state = 'placed' AND cl.ended_at IS NULL)))
      AND NOT EXISTS (
          SELECT 1 FROM dialer.jobs AS j
          WHERE j.campaign_id = c.id AND dialer.job_is_open(j.state))
      AND NOT EXISTS (
          SELECT 1 FROM dialer.task_syncs AS s WHERE s.campaign_id = c.id AND s.state = 'pending')
    RETURNING c.name
$$;
