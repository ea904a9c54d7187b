-- Callbacks a callee asks for in the conversation ("tomorrow afternoon"): the agent fits the
-- time into the callee's calling hours, and the contact's next call is scheduled inside it.

-- The window asked for on the call that asked (for its Task), and on the contact while it is
-- to come. A contact with a callback to come has no outcome yet: its campaign is not over.
ALTER TABLE dialer.call_attempts
    ADD COLUMN callback_from      timestamptz,
    ADD COLUMN callback_until     timestamptz,
    ADD COLUMN callback_time_zone text,
    ADD CONSTRAINT call_attempts_callback_window CHECK (callback_from < callback_until);
ALTER TABLE dialer.contacts
    ADD COLUMN callback_at    timestamptz,
    ADD COLUMN callback_until timestamptz;

-- place_call for a callback: one per call that asked for one.
CREATE FUNCTION dialer.callback_key(attempt_id uuid) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT 'place_call:callback:' || attempt_id
$$;

-- Records the callback the callee of p_attempt_id asked for and enqueues its place_call,
-- due at p_from (PlaceCall still keeps to the calling hours of the day it runs). Idempotent:
-- the media service retries a failed write, and a worker may write it again from a
-- record_conversation job. A call that has ended already (the write was late) and left its
-- contact 'answered' gives the outcome back: the callback decides it. Returns the job's id;
-- NULL for an attempt that does not exist.
CREATE FUNCTION dialer.schedule_callback(
    p_attempt_id uuid, p_from timestamptz, p_until timestamptz, p_time_zone text, p_place_call_kind text
) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    attempt record;
BEGIN
    UPDATE dialer.call_attempts
    SET callback_from = p_from, callback_until = p_until, callback_time_zone = p_time_zone
    WHERE id = p_attempt_id
    RETURNING contact_id, campaign_id INTO attempt;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    UPDATE dialer.contacts
    SET callback_at = p_from, callback_until = p_until,
        outcome = CASE WHEN outcome = 'answered' THEN NULL ELSE outcome END
    WHERE id = attempt.contact_id;
    RETURN dialer.enqueue_job(p_place_call_kind,
                              jsonb_build_object('contactID', attempt.contact_id, 'callbackFor', p_attempt_id),
                              dialer.callback_key(p_attempt_id), attempt.campaign_id, p_run_at => p_from);
END
$$;

-- The end of calls (0020's body), except that a contact whose callback is still to come
-- gets no outcome: the callback's own end gives it one.
CREATE OR REPLACE FUNCTION dialer.end_calls(
    p_contacts bigint[], p_campaigns bigint[], p_call_sids text[], p_next_keys text[], p_retry_after float8[],
    p_outcomes text[], p_place_call_kind text, p_finalize_kind text, p_finalize_grace float8
) RETURNS void
SET plan_cache_mode = force_generic_plan
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM dialer.enqueue_jobs(
        array_agg(p_place_call_kind ORDER BY e.ord), array_agg(jsonb_build_object('contactID', e.contact) ORDER BY e.ord),
        array_agg(e.next_key ORDER BY e.ord), array_agg(e.campaign ORDER BY e.ord),
        p_run_at => array_agg(now() + make_interval(secs => e.retry_after) ORDER BY e.ord))
    FROM unnest(p_contacts, p_campaigns, p_next_keys, p_retry_after) WITH ORDINALITY AS e(contact, campaign, next_key, retry_after, ord)
    WHERE e.retry_after >= 0
    HAVING count(*) > 0;

    UPDATE dialer.contacts AS k SET outcome = e.outcome
    FROM unnest(p_contacts, p_outcomes) AS e(contact, outcome)
    WHERE k.id = e.contact AND k.outcome IS NULL AND e.outcome <> ''
      AND (k.callback_at IS NULL OR k.callback_at <= now());

    INSERT INTO dialer.task_syncs (call_sid, attempt_id, campaign_id, ready_at)
    SELECT e.sid, c.attempt_id, e.campaign, now() + make_interval(secs => p_finalize_grace)
    FROM unnest(p_call_sids, p_campaigns) AS e(sid, campaign) JOIN dialer.calls AS c ON c.call_sid = e.sid
    ON CONFLICT (call_sid) DO NOTHING;

    PERFORM dialer.enqueue_jobs(
        array_fill(p_finalize_kind, ARRAY[cardinality(p_call_sids)]),
        ARRAY(SELECT jsonb_build_object('callSID', sid) FROM unnest(p_call_sids) WITH ORDINALITY AS s(sid, ord) ORDER BY ord),
        ARRAY(SELECT dialer.finalize_key(sid) FROM unnest(p_call_sids) WITH ORDINALITY AS s(sid, ord) ORDER BY ord),
        p_campaigns,
        p_run_at => array_fill(now() + make_interval(secs => p_finalize_grace), ARRAY[cardinality(p_call_sids)]))
    WHERE cardinality(p_call_sids) > 0;

    PERFORM dialer.enqueue_jobs(
        array_fill('publish_call_ended'::text, ARRAY[cardinality(p_call_sids)]),
        ARRAY(SELECT jsonb_build_object('callSID', sid) FROM unnest(p_call_sids) WITH ORDINALITY AS s(sid, ord) ORDER BY ord),
        ARRAY(SELECT dialer.call_ended_key(sid) FROM unnest(p_call_sids) WITH ORDINALITY AS s(sid, ord) ORDER BY ord),
        p_run_at => array_fill(now() + make_interval(secs => p_finalize_grace), ARRAY[cardinality(p_call_sids)]))
    WHERE cardinality(p_call_sids) > 0 AND dialer.webhook_subscribed('call.ended');
END
$$;

-- Contacts waiting for the callback they asked for, for operators: when, and from which call.
CREATE VIEW dialer.callbacks AS
SELECT k.campaign_id, p.name AS campaign, k.id AS contact_id, k.callback_at, k.callback_until,
       k.time_zone, a.call_sid AS asked_on_call, j.id AS job_id, j.state AS job_state
FROM dialer.contacts AS k
JOIN dialer.campaigns AS p ON p.id = k.campaign_id
LEFT JOIN LATERAL (SELECT a.id, a.call_sid FROM dialer.call_attempts AS a
                   WHERE a.contact_id = k.id AND a.callback_from = k.callback_at
                   ORDER BY a.created_at DESC LIMIT 1) AS a ON true
LEFT JOIN dialer.jobs AS j ON j.unique_key = dialer.callback_key(a.id) AND dialer.job_is_open(j.state)
WHERE k.callback_at IS NOT NULL AND k.outcome IS NULL;

-- No number or name in it: the monitor role may read it.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'dialer_monitor') THEN
        GRANT SELECT ON dialer.callbacks TO dialer_monitor;
    END IF;
END
$$;
