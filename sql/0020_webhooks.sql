-- Events out: webhook endpoints, the events published to them, and their deliveries, which
-- are jobs in the queue (kind deliver_webhook) signed as Standard Webhooks sign them. An event
-- is recorded, with one delivery job per endpoint subscribed to its type, in the transaction
-- of the state change it reports (or of a job that change queued), so none is lost.

-- Where events go. The secret (whsec_<base64>) signs every delivery, so it is kept in clear;
-- no role but the dialer's own may read this table (dialer_monitor reads the views below).
CREATE TABLE dialer.webhook_endpoints (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text        NOT NULL UNIQUE CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$'),
    url         text        NOT NULL CHECK (url ~* '^https?://[^/?#]+'),
    -- The event types this endpoint receives (WebhookEventType in Swift).
    events      text[]      NOT NULL CHECK (cardinality(events) > 0 AND events <@ ARRAY['call.ended', 'campaign.completed']),
    secret      text        NOT NULL CHECK (secret ~ '^whsec_[A-Za-z0-9+/]+=*$'),
    created_at  timestamptz NOT NULL DEFAULT now(),
    -- A disabled endpoint is sent nothing new, and its queued deliveries are cancelled when they run.
    disabled_at timestamptz
);

-- Every event published while an endpoint subscribed to its type. `id` is the webhook-id
-- receivers drop duplicates by: every attempt of every delivery of an event carries it.
-- `subject` names what the event is about, once (`call.ended:<CallSid>`,
-- `campaign.completed:<campaign id>`): publishing a subject again is the first publish.
CREATE TABLE dialer.webhook_events (
    id         text        PRIMARY KEY DEFAULT 'msg_' || replace(gen_random_uuid()::text, '-', ''),
    type       text        NOT NULL,
    subject    text        NOT NULL UNIQUE,
    -- The envelope's `data`; the body sent is {"type", "timestamp", "data"} (dialer.webhook_body).
    payload    jsonb       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- The deliveries, for the views and the retry: jobs of one kind, by endpoint.
CREATE INDEX jobs_webhook_deliveries ON dialer.jobs (((args ->> 'endpointID')::bigint), id) WHERE kind = 'deliver_webhook';

-- The unique-key formats (JobKeyFormatTests holds the Swift job types to them).

-- deliver_webhook: one open delivery per event and endpoint.
CREATE FUNCTION dialer.webhook_delivery_key(event_id text, endpoint_id bigint) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT 'webhook:' || event_id || ':' || endpoint_id
$$;

-- publish_call_ended: one per ended call.
CREATE FUNCTION dialer.call_ended_key(call_sid text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT 'call_ended:' || call_sid
$$;

-- Whether an enabled endpoint receives events of this type: without one, nothing is
-- recorded or queued for it (an endpoint added later receives the events from then on).
CREATE FUNCTION dialer.webhook_subscribed(p_type text) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM dialer.webhook_endpoints WHERE disabled_at IS NULL AND p_type = ANY (events))
$$;

-- Publishes an event in the caller's transaction: the event row, and one deliver_webhook job
-- per enabled endpoint subscribed to its type (8 attempts, DeliverWebhookArgs.options).
-- Returns the event's id; a subject published before returns that event's id and queues
-- nothing, so a job that publishes and dies before it completes publishes once. NULL when
-- no endpoint receives the type.
CREATE FUNCTION dialer.publish_event(p_type text, p_subject text, p_payload jsonb) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    event_id text;
    endpoints bigint[];
BEGIN
    SELECT array_agg(id ORDER BY id) INTO endpoints
    FROM dialer.webhook_endpoints WHERE disabled_at IS NULL AND p_type = ANY (events);
    IF endpoints IS NULL THEN
        RETURN NULL;
    END IF;
    INSERT INTO dialer.webhook_events (type, subject, payload) VALUES (p_type, p_subject, p_payload)
    ON CONFLICT (subject) DO NOTHING
    RETURNING id INTO event_id;
    IF event_id IS NULL THEN
        SELECT e.id INTO event_id FROM dialer.webhook_events AS e WHERE e.subject = p_subject;
        RETURN event_id;
    END IF;
    PERFORM dialer.enqueue_jobs(
        array_fill('deliver_webhook'::text, ARRAY[cardinality(endpoints)]),
        ARRAY(SELECT jsonb_build_object('eventID', event_id, 'endpointID', e) FROM unnest(endpoints) WITH ORDINALITY AS u(e, ord) ORDER BY ord),
        ARRAY(SELECT dialer.webhook_delivery_key(event_id, e) FROM unnest(endpoints) WITH ORDINALITY AS u(e, ord) ORDER BY ord),
        p_max_attempts => array_fill(8, ARRAY[cardinality(endpoints)]));
    RETURN event_id;
END
$$;

-- The body a delivery sends, the same bytes on every attempt (jsonb's text form is canonical):
-- {"data": …, "type": "call.ended", "timestamp": "2026-12-06T21:30:00.123Z"}.
CREATE FUNCTION dialer.webhook_body(e dialer.webhook_events) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('type', e.type,
                              'timestamp', to_char(e.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                              'data', e.payload)::text
$$;

-- The end of calls (0016's body), and now the call's call.ended event: a publish_call_ended
-- job, due with the finalize job (the last transcript rows land in the grace), when an
-- endpoint receives call.ended. PublishCallEndedHandler waits for the media stream as the
-- finalizer does, but never for Salesforce.
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

    -- The call.ended event's job, with the same grace; no group, so pausing or cancelling the
    -- campaign does not hold back or drop the event of a call that already ended.
    PERFORM dialer.enqueue_jobs(
        array_fill('publish_call_ended'::text, ARRAY[cardinality(p_call_sids)]),
        ARRAY(SELECT jsonb_build_object('callSID', sid) FROM unnest(p_call_sids) WITH ORDINALITY AS s(sid, ord) ORDER BY ord),
        ARRAY(SELECT dialer.call_ended_key(sid) FROM unnest(p_call_sids) WITH ORDINALITY AS s(sid, ord) ORDER BY ord),
        p_run_at => array_fill(now() + make_interval(secs => p_finalize_grace), ARRAY[cardinality(p_call_sids)]))
    WHERE cardinality(p_call_sids) > 0 AND dialer.webhook_subscribed('call.ended');
END
$$;

-- A campaign completes by itself (0016's body), and its campaign.completed event is published
-- in the same transaction, with the campaign's final numbers.
CREATE OR REPLACE FUNCTION dialer.complete_finished_campaigns() RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
    done record;
BEGIN
    FOR done IN
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
        RETURNING c.id, c.name
    LOOP
        IF dialer.webhook_subscribed('campaign.completed') THEN
            PERFORM dialer.publish_event('campaign.completed', 'campaign.completed:' || done.id, (
                SELECT jsonb_build_object(
                    'campaign', p.name,
                    'campaignId', p.id,
                    'completedAt', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                    'contacts', p.contacts,
                    'callable', p.callable,
                    'skipped', jsonb_build_object(
                        'doNotCall', p.skipped_do_not_call, 'internalDnc', p.skipped_internal_dnc,
                        'invalidPhone', p.skipped_invalid_phone, 'duplicatePhone', p.skipped_duplicate_phone,
                        'noTimeZone', p.skipped_no_time_zone),
                    'outcomes', jsonb_build_object(
                        'answered', p.done_answered, 'voicemailLeft', p.done_voicemail_left, 'machine', p.done_machine,
                        'busy', p.done_busy, 'noAnswer', p.done_no_answer, 'failed', p.done_failed, 'other', p.done_other),
                    'calls', jsonb_build_object('placed', p.calls_placed, 'answered', p.calls_answered,
                                                'averageDurationSeconds', p.avg_duration_seconds),
                    'tasks', jsonb_build_object('synced', p.tasks_synced, 'failed', p.tasks_failed))
                FROM dialer.campaign_progress AS p WHERE p.id = done.id));
        END IF;
        RETURN NEXT done.name;
    END LOOP;
END
$$;

-- Every delivery, in the words of the operator: pending, delivering, retrying, delivered,
-- failed (out of attempts) or cancelled (its endpoint removed or disabled). Completed and
-- cancelled ones leave with the queue's pruning after a day, failed ones after 7 days.
-- No URL (it may carry a token), no secret, no payload (it carries the transcript).
CREATE VIEW dialer.webhook_deliveries AS
SELECT j.id AS job_id,
       p.name AS endpoint,
       e.type AS event_type,
       e.id AS event_id,
       CASE j.state
           WHEN 'available' THEN 'pending'
           WHEN 'running' THEN 'delivering'
           WHEN 'retryable' THEN 'retrying'
           WHEN 'completed' THEN 'delivered'
           WHEN 'discarded' THEN 'failed'
           ELSE j.state
       END AS state,
       j.attempt AS attempts,
       j.max_attempts,
       j.errors -> -1 ->> 'message' AS last_error,
       j.attempted_at AS last_attempt_at,
       CASE WHEN dialer.job_is_open(j.state) AND j.state <> 'running' THEN j.run_at END AS next_attempt_at,
       e.created_at AS event_created_at,
       j.finalized_at
FROM dialer.jobs AS j
LEFT JOIN dialer.webhook_events AS e ON e.id = j.args ->> 'eventID'
LEFT JOIN dialer.webhook_endpoints AS p ON p.id = (j.args ->> 'endpointID')::bigint
WHERE j.kind = 'deliver_webhook';

-- Deliveries that failed: retrying after an error, or out of attempts. What
-- `dialer webhook retry` (dialer.retry_webhook_deliveries) re-queues.
CREATE VIEW dialer.webhook_delivery_failures AS
SELECT * FROM dialer.webhook_deliveries WHERE state IN ('retrying', 'failed');

-- The operator's retry: failed deliveries (out of attempts, and those waiting to retry) of
-- one endpoint, or of all, whose last attempt was at or after p_since, run again now, with
-- one more attempt for those that had none left. A delivery whose endpoint is gone stays
-- as it is. Returns how many.
CREATE FUNCTION dialer.retry_webhook_deliveries(p_endpoint_id bigint DEFAULT NULL, p_since timestamptz DEFAULT NULL)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    n integer;
BEGIN
    UPDATE dialer.jobs AS j
    SET state = 'available', run_at = now(), finalized_at = NULL, max_attempts = greatest(j.max_attempts, j.attempt + 1)
    WHERE j.kind = 'deliver_webhook'
      AND (j.state = 'retryable'
           OR (j.state = 'discarded' AND NOT EXISTS (
                  SELECT 1 FROM dialer.jobs AS o WHERE o.unique_key = j.unique_key AND dialer.job_is_open(o.state))))
      AND (p_endpoint_id IS NULL OR (j.args ->> 'endpointID')::bigint = p_endpoint_id)
      AND (p_since IS NULL OR j.attempted_at >= p_since)
      AND EXISTS (SELECT 1 FROM dialer.webhook_endpoints AS p WHERE p.id = (j.args ->> 'endpointID')::bigint);
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n > 0 THEN
        PERFORM pg_notify('dialer_jobs', 'deliver_webhook');
    END IF;
    RETURN n;
END
$$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'dialer_monitor') THEN
        GRANT SELECT ON dialer.webhook_deliveries, dialer.webhook_delivery_failures TO dialer_monitor;
    END IF;
END
$$;
