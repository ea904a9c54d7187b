-- POST /v1/calls in one statement. Each accepted call was ten statements in sequence (the
-- key's claim, the campaign, the request, the contact, its dial context, the job, the stored
-- answer, BEGIN and COMMIT), each parsed and planned again; together they held the API to
-- about 500 calls a second on two cores. The function's statements are planned once per
-- connection, and the call is one round trip, committed on its own.

-- An Idempotency-Key claimed in the caller's transaction, or taken over when its answer
-- expired; a concurrent holder's row lock is waited on, then its committed answer is read.
-- claimed = false: the key was used before, and these are the first request and answer.
CREATE FUNCTION dialer.claim_idempotency_key(
    p_api_key_id bigint, p_key text, p_operation text, p_request_hash bytea, p_retention_seconds double precision,
    OUT claimed boolean, OUT operation text, OUT request_hash bytea, OUT response_status integer, OUT response_body text
) LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO dialer.idempotency_keys AS k (api_key_id, key, operation, request_hash, response_status, response_body)
    VALUES (p_api_key_id, p_key, p_operation, p_request_hash, 0, 'null')
    ON CONFLICT (api_key_id, key) DO UPDATE
        SET operation = EXCLUDED.operation, request_hash = EXCLUDED.request_hash, created_at = now()
        WHERE k.created_at < now() - make_interval(secs => p_retention_seconds)
    RETURNING true INTO claimed;
    IF claimed THEN
        RETURN;
    END IF;
    claimed := false;
    SELECT k.operation, k.request_hash, k.response_status, k.response_body::text
    INTO operation, request_hash, response_status, response_body
    FROM dialer.idempotency_keys AS k WHERE k.api_key_id = p_api_key_id AND k.key = p_key;
END
$$;

-- The answer of a request whose key this transaction claimed. (PL/pgSQL, here and below: a
-- LANGUAGE sql function is planned again on every call; PL/pgSQL keeps its plans.)
CREATE FUNCTION dialer.store_idempotent_answer(p_api_key_id bigint, p_key text, p_status integer, p_body jsonb) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE dialer.idempotency_keys SET response_status = p_status, response_body = p_body
    WHERE api_key_id = p_api_key_id AND key = p_key;
END
$$;

-- One job, as enqueue_jobs enqueues each of a batch (an open job with the same key is found
-- and locked instead), without the batch's unnesting and numbering: the one-job function was
-- that batch of one, a third of the time of an API call in Postgres.
CREATE OR REPLACE FUNCTION dialer.enqueue_job(
    p_kind text, p_args jsonb DEFAULT '{}'::jsonb, p_unique_key text DEFAULT NULL::text, p_group_id bigint DEFAULT NULL::bigint,
    p_priority integer DEFAULT 2, p_max_attempts integer DEFAULT 25, p_run_at timestamp with time zone DEFAULT NULL::timestamp with time zone
) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    job_id bigint;
BEGIN
    INSERT INTO dialer.jobs AS j (kind, args, priority, run_at, max_attempts, unique_key, campaign_id)
    VALUES (p_kind, coalesce(p_args, '{}'), coalesce(p_priority, 2), coalesce(p_run_at, now()), coalesce(p_max_attempts, 25),
            p_unique_key, p_group_id)
    -- DO UPDATE, not DO NOTHING: the open job's row comes back (and is locked), even when it
    -- was committed after this statement began and its snapshot cannot see it.
    ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL AND dialer.job_is_open(state)
    DO UPDATE SET unique_key = EXCLUDED.unique_key
    RETURNING j.id INTO job_id;
    RETURN job_id;
END
$$;

-- A call request's contact row (one per request: a second write finds the first), with
-- internal_dnc as its skip reason when its number is on the DNC list now, as the import marks
-- one. p_salesforce_id empty or NULL: none (a call to a number only).
CREATE FUNCTION dialer.insert_request_contact(
    p_campaign_id bigint, p_request_id uuid, p_salesforce_id text, p_account_id text, p_first_name text, p_last_name text,
    p_phone text, p_phone_field text, p_mailing_state text, p_time_zone text, p_time_zone_source text, p_time_zones text[],
    p_calling_states text[], p_skip_reason text, p_skip_detail text,
    OUT id bigint, OUT skip_reason text, OUT skip_detail text
) LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO dialer.contacts AS k (campaign_id, request_id, salesforce_id, account_id, first_name, last_name, phone_e164, phone_field,
                                      mailing_state, time_zone, time_zone_source, time_zones, calling_states, skip_reason, skip_detail)
    SELECT p_campaign_id, p_request_id, NULLIF(p_salesforce_id, ''), p_account_id, p_first_name, p_last_name, p_phone, p_phone_field,
           p_mailing_state, p_time_zone, p_time_zone_source, p_time_zones, p_calling_states,
           CASE WHEN p_skip_reason IS NOT NULL THEN p_skip_reason WHEN dnc.phone_e164 IS NOT NULL THEN 'internal_dnc' END,
           CASE WHEN p_skip_reason IS NOT NULL THEN p_skip_detail WHEN dnc.phone_e164 IS NOT NULL THEN 'on the internal do-not-call list' END
    FROM (SELECT 1) AS one LEFT JOIN dialer.dnc AS dnc ON dnc.phone_e164 = p_phone
    ON CONFLICT (request_id) WHERE request_id IS NOT NULL DO NOTHING
    RETURNING k.id, k.skip_reason, k.skip_detail INTO id, skip_reason, skip_detail;
    IF id IS NULL THEN
        SELECT k.id, k.skip_reason, k.skip_detail INTO id, skip_reason, skip_detail FROM dialer.contacts AS k WHERE k.request_id = p_request_id;
    END IF;
END
$$;

-- One call asked for through the API, checked and decided by the caller: under its key when it
-- has one (replayed = the key's first answer; mismatch = the key was used for another
-- request), the request row, then either its prepare_call job (a Contact to read first) or its
-- contact row and, unless the contact is skipped, its first place_call job due after
-- p_run_after seconds. The answer stored is p_answer, or p_dnc_answer when the number turned
-- out to be on the DNC list. A campaign that takes no more calls raises SQLSTATE DC001 with
-- its status as the message, so nothing is kept, the key's claim included.
CREATE FUNCTION dialer.accept_call_request(
    p_api_key_id bigint, p_key text, p_operation text, p_request_hash bytea, p_retention_seconds double precision,
    p_campaign_id bigint, p_request_id uuid, p_salesforce_id text, p_to text, p_from text, p_message text,
    p_phone_field text, p_mailing_state text, p_time_zone text, p_time_zone_source text, p_time_zones text[], p_calling_states text[],
    p_skip_reason text, p_skip_detail text,
    p_job_kind text, p_job_args jsonb, p_job_key text, p_job_priority integer, p_job_max_attempts integer, p_run_after double precision,
    p_answer_status integer, p_answer jsonb, p_dnc_answer jsonb,
    OUT outcome text, OUT response_status integer, OUT response_body text
) LANGUAGE plpgsql AS $$
DECLARE
    claim record;
    campaign_status text;
    contact record;
    answer jsonb := p_answer;
BEGIN
    -- Its notifications are the accepting process's to send (see dialer.notify_jobs_inserted).
    PERFORM set_config('dialer.notify_deferred', 'on', true);
    IF p_key IS NOT NULL THEN
        SELECT * INTO claim FROM dialer.claim_idempotency_key(p_api_key_id, p_key, p_operation, p_request_hash, p_retention_seconds);
        IF NOT claim.claimed THEN
            outcome := CASE WHEN claim.operation = p_operation AND claim.request_hash = p_request_hash THEN 'replayed' ELSE 'mismatch' END;
            response_status := claim.response_status;
            response_body := claim.response_body;
            RETURN;
        END IF;
    END IF;
    SELECT c.status INTO campaign_status FROM dialer.campaigns AS c WHERE c.id = p_campaign_id;
    IF campaign_status IS NULL OR campaign_status NOT IN ('active', 'paused', 'importing') THEN
        RAISE EXCEPTION USING ERRCODE = 'DC001', MESSAGE = coalesce(campaign_status, 'removed');
    END IF;
    INSERT INTO dialer.call_requests (id, campaign_id, salesforce_id, to_e164, from_e164, message)
    VALUES (p_request_id, p_campaign_id, p_salesforce_id, p_to, p_from, p_message);
    IF p_salesforce_id IS NOT NULL THEN
        PERFORM dialer.enqueue_job(p_job_kind, p_job_args, p_job_key, p_campaign_id, p_job_priority, p_job_max_attempts, now());
    ELSE
        SELECT * INTO contact
        FROM dialer.insert_request_contact(p_campaign_id, p_request_id, NULL, NULL, NULL, NULL, p_to, p_phone_field, p_mailing_state,
                                           p_time_zone, p_time_zone_source, p_time_zones, p_calling_states, p_skip_reason, p_skip_detail);
        IF contact.skip_reason IS NULL THEN
            PERFORM dialer.enqueue_job(p_job_kind, jsonb_build_object('contactID', contact.id), dialer.place_call_key(contact.id),
                                       p_campaign_id, p_job_priority, p_job_max_attempts, now() + make_interval(secs => p_run_after));
        ELSIF p_skip_reason IS NULL THEN
            answer := p_dnc_answer;
        END IF;
    END IF;
    IF p_key IS NOT NULL THEN
        PERFORM dialer.store_idempotent_answer(p_api_key_id, p_key, p_answer_status, answer);
    END IF;
    outcome := 'performed';
    response_status := p_answer_status;
    response_body := answer::text;
END
$$;

-- The live API key whose SHA-256 is p_hash, stamped used when its stamp is older than
-- p_resolution seconds; it returns the stamp it found. Every API request asks: as one
-- statement with a writing CTE, it was planned again each time.
CREATE FUNCTION dialer.authenticate_api_key(
    p_hash bytea, p_resolution double precision,
    OUT id bigint, OUT name text, OUT prefix text, OUT scopes text[], OUT created_at timestamptz, OUT last_used_at timestamptz
) RETURNS SETOF record LANGUAGE plpgsql AS $$
BEGIN
    SELECT k.id, k.name, k.prefix, k.scopes, k.created_at, k.last_used_at INTO id, name, prefix, scopes, created_at, last_used_at
    FROM dialer.api_keys AS k WHERE k.key_hash = p_hash AND k.revoked_at IS NULL;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    IF last_used_at IS NULL OR last_used_at < now() - make_interval(secs => p_resolution) THEN
        UPDATE dialer.api_keys AS k SET last_used_at = now() WHERE k.id = authenticate_api_key.id;
    END IF;
    RETURN NEXT;
END
$$;

-- A call as the API and the console read it: its latest attempt's row with its campaign,
-- contact, Twilio status and Task sync. The number is the full one: readers mask it for keys
-- without pii:read, and the monitor role is not granted this view.
CREATE VIEW dialer.call_records AS
SELECT a.id, a.call_sid, cp.name AS campaign, k.salesforce_id AS contact_id, a.to_e164, a.from_e164, a.attempt_number,
       COALESCE(cl.status, a.state) AS state, cl.status AS twilio_status, cl.answered_by, cl.duration_seconds,
       dialer.call_disposition(cl.status, cl.answered_by, cl.answered_at IS NOT NULL) AS outcome, a.error_message,
       a.created_at, cl.answered_at, COALESCE(cl.ended_at, a.ended_at) AS ended_at,
       s.state AS task_state, s.salesforce_task_id, s.last_error AS task_error,
       (extract(epoch FROM a.created_at) * 1000000)::bigint AS created_micros, a.campaign_id
FROM dialer.call_attempts a
JOIN dialer.campaigns cp ON cp.id = a.campaign_id
LEFT JOIN dialer.contacts k ON k.id = a.contact_id
LEFT JOIN dialer.calls cl ON cl.attempt_id = a.id
LEFT JOIN dialer.task_syncs s ON s.call_sid = a.call_sid;

-- A page of one campaign's calls, newest first, before a cursor (NULL: from the newest), the
-- filters not given NULL: one index range scan and a key lookup per row in each joined table.
-- Merge joins are not considered (enable_mergejoin off): pricing them made Postgres read the
-- ends of the joined tables' indexes on every page, and planning took longer than the page
-- (1.2 ms against 0.7 ms at a cursor deep in 200,000 calls). The plan is still made for each
-- page's values: a plan kept from a smaller table (force_generic_plan) sorted the whole
-- campaign for every page.
CREATE FUNCTION dialer.campaign_call_page(
    p_campaign text, p_state text, p_since timestamptz, p_before_micros bigint, p_before_id uuid, p_limit integer
) RETURNS SETOF dialer.call_records LANGUAGE plpgsql STABLE SET enable_mergejoin = off AS $$
BEGIN
    RETURN QUERY
    SELECT * FROM dialer.call_records AS r
    WHERE r.campaign_id = (SELECT c.id FROM dialer.campaigns AS c WHERE c.name = p_campaign)
      AND (p_state IS NULL OR r.state = p_state)
      AND (p_since IS NULL OR r.created_at >= p_since)
      AND (r.created_at, r.id) < (coalesce(timestamptz 'epoch' + p_before_micros * interval '1 microsecond', 'infinity'),
                                  coalesce(p_before_id, 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid))
    ORDER BY r.created_at DESC, r.id DESC
    LIMIT p_limit;
END
$$;

REVOKE EXECUTE ON FUNCTION dialer.campaign_call_page(text, text, timestamptz, bigint, uuid, integer) FROM PUBLIC;

-- Notifications an API call's writes would send (a job is due; a campaign's rows changed) are
-- left to the process that accepted it, which sends them for many calls at once
-- (CallNotifications): a transaction that notifies holds a cluster-wide lock from its NOTIFY
-- until its commit is flushed, so a thousand calls a second that each notified committed one at
-- a time, and a quarter of the API's throughput went to waiting. A transaction that sets
-- dialer.notify_deferred (SET LOCAL) fires the triggers below without notifying.
CREATE OR REPLACE FUNCTION dialer.notify_jobs_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('dialer.notify_deferred', true) = 'on' THEN
        RETURN NULL;
    END IF;
    PERFORM pg_notify('dialer_jobs', k.kind)
    FROM (SELECT DISTINCT kind FROM inserted WHERE run_at <= now()) AS k;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION dialer.console_notify_campaign_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('dialer.notify_deferred', true) = 'on' THEN
        RETURN NULL;
    END IF;
    -- TG_ARGV[0] names the column that holds the campaign's id ('id' on campaigns).
    IF TG_ARGV[0] = 'id' THEN
        PERFORM pg_notify('dialer_console', 'campaign:' || c.id) FROM (SELECT DISTINCT id FROM changed) AS c;
    ELSE
        PERFORM pg_notify('dialer_console', 'campaign:' || c.campaign_id) FROM (SELECT DISTINCT campaign_id FROM changed) AS c;
    END IF;
    IF TG_TABLE_NAME = 'task_syncs' THEN
        PERFORM pg_notify('dialer_console', 'tasks');
    END IF;
    RETURN NULL;
END
$$;
