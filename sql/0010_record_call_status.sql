-- Status callbacks in one round trip. Twilio sends four or more per call, at the rate calls
-- are placed and answered, so the webhook's work is one statement: admit the event, apply
-- it to the call, and say what the caller still has to decide (the retry policy, which lives
-- in Swift, on a terminal status). Callbacks that arrive together are applied together
-- (record_call_statuses), one transaction and one round trip for the lot. AMD callbacks
-- are admitted one at a time (admit_call_event), under the same attempt lock.

-- Admission, shared by status and AMD callbacks: find the event's attempt (by the URL's
-- attempt id, else by CallSid) and lock it, so one call's callbacks apply one at a time; keep
-- the event once (an orphan when no attempt matches or the attempt holds another CallSid);
-- settle an attempt the worker could not (a callback proves the call exists).
-- admission: 'orphan', 'duplicate' or 'new'.
CREATE FUNCTION dialer.admit_call_event(
    p_call_sid text, p_attempt_id uuid, p_sequence_number integer, p_status text, p_params jsonb,
    OUT admission text, OUT attempt_id uuid, OUT contact_id bigint, OUT campaign_id bigint
)
LANGUAGE plpgsql AS $$
DECLARE
    found_sid text;
    found_state text;
    is_orphan boolean;
BEGIN
    SELECT a.id, a.contact_id, a.campaign_id, a.call_sid, a.state INTO attempt_id, contact_id, campaign_id, found_sid, found_state
    FROM dialer.call_attempts AS a
    WHERE a.id = p_attempt_id OR a.call_sid = p_call_sid
    ORDER BY (a.id = p_attempt_id) DESC NULLS LAST
    LIMIT 1
    FOR UPDATE;
    is_orphan := attempt_id IS NULL OR (found_sid IS NOT NULL AND found_sid <> p_call_sid);

    INSERT INTO dialer.call_events (call_sid, sequence_number, status, attempt_id, orphan, params)
    VALUES (p_call_sid, p_sequence_number, p_status, CASE WHEN is_orphan THEN p_attempt_id ELSE attempt_id END,
            is_orphan, p_params)
    ON CONFLICT (call_sid, sequence_number, status) DO NOTHING;

    IF is_orphan THEN
        admission := 'orphan';
    ELSIF NOT FOUND THEN
        admission := 'duplicate';
    ELSE
        admission := 'new';
    END IF;
    IF admission = 'new' AND found_state IN ('dialing', 'unknown') THEN
        WITH settled AS (
            UPDATE dialer.call_attempts AS a SET state = 'placed', call_sid = p_call_sid, updated_at = now()
            WHERE a.id = admit_call_event.attempt_id AND a.state IN ('dialing', 'unknown')
            RETURNING a.contact_id
        )
        UPDATE dialer.contacts AS k SET attempts = k.attempts + 1 FROM settled WHERE k.id = settled.contact_id;
    END IF;
END
$$;

-- Status callbacks, applied as a set, in array order (the caller sorts them by CallSid, so
-- concurrent batches lock attempts in one order and cannot deadlock; one call's events keep
-- their arrival order). The result is what applying them one at a time would give: a call's
-- status moves only forward (invariant 3), and an event that does not move it changes
-- nothing but what no other callback says (when the call was answered, who answered), so any
-- order of arrival ends in the same row. Set-based because a callback's cost is then a few
-- microseconds of Postgres, not a function call's worth of plpgsql per event.
--
-- One row per event, `ordinal` its 1-based position; outcome: 'orphan', 'duplicate',
-- 'stale' (recorded, did not move), 'moved', or 'ended' (this event ended the call: the
-- attempt has left the calls in flight, and the remaining columns hold what the retry
-- policy needs; answered_by is who answered before this event). Arrays cannot carry a
-- missing value from every client, so '' stands for no attempt id or AnsweredBy, and -1 for
-- no duration or SIP code.
CREATE FUNCTION dialer.record_call_statuses(
    p_call_sids text[], p_attempt_ids text[], p_sequence_numbers integer[], p_statuses text[],
    p_answered_bys text[], p_durations integer[], p_sip_response_codes integer[], p_ats timestamptz[], p_params text[]
)
RETURNS TABLE (
    ordinal integer, outcome text, attempt_id uuid, contact_id bigint, campaign_id bigint, answered_by text,
    attempts integer, retry_delays text, max_attempts integer, voicemail_policy text
)
-- Planning the statements below costs more than running them on a batch, and their best
-- plan does not depend on the arrays' contents: plan once per connection.
SET plan_cache_mode = force_generic_plan
LANGUAGE plpgsql AS $$
DECLARE
    found_ids uuid[];
    found_sids text[];
    found_states text[];
    found_contacts bigint[];
    found_campaigns bigint[];
BEGIN
    -- First lock every event's attempt (as admit_call_event does). A statement of its own:
    -- the next one then reads the calls these attempts guard as their last writer left them.
    SELECT array_agg(m.id ORDER BY u.ordinal), array_agg(m.call_sid ORDER BY u.ordinal),
           array_agg(m.state ORDER BY u.ordinal), array_agg(m.contact_id ORDER BY u.ordinal),
           array_agg(m.campaign_id ORDER BY u.ordinal)
    INTO found_ids, found_sids, found_states, found_contacts, found_campaigns
    FROM unnest(p_call_sids, p_attempt_ids) WITH ORDINALITY AS u(call_sid, attempt_id, ordinal)
    LEFT JOIN LATERAL (
        SELECT a.id, a.call_sid, a.state, a.contact_id, a.campaign_id
        FROM dialer.call_attempts AS a
        WHERE a.id = nullif(u.attempt_id, '')::uuid OR a.call_sid = u.call_sid
        ORDER BY (a.id = nullif(u.attempt_id, '')::uuid) DESC NULLS LAST
        LIMIT 1
        FOR UPDATE
    ) AS m ON true;

    RETURN QUERY
    WITH input AS (
        SELECT u.ordinal::integer AS ordinal, u.call_sid, nullif(u.attempt_id, '')::uuid AS given_attempt_id,
               u.sequence_number, u.status, dialer.call_status_rank(u.status) AS rank,
               nullif(u.answered_by, '') AS answered_by, nullif(u.duration, -1) AS duration_seconds,
               nullif(u.sip, -1) AS sip_response_code, u.at, u.params::jsonb AS params,
               u.found_id, u.found_sid, u.found_state, u.found_contact, u.found_campaign
        FROM unnest(p_call_sids, p_attempt_ids, p_sequence_numbers, p_statuses, p_answered_bys, p_durations,
                    p_sip_response_codes, p_ats, p_params, found_ids, found_sids, found_states,
                    found_contacts, found_campaigns)
             WITH ORDINALITY AS u(call_sid, attempt_id, sequence_number, status, answered_by, duration, sip, at,
                                  params, found_id, found_sid, found_state, found_contact, found_campaign, ordinal)
    ),
    -- An orphan: no attempt, or an attempt that holds another CallSid (an attempt not yet
    -- holding one takes its first event's).
    classified AS (
        SELECT i.*,
               i.found_id IS NULL OR coalesce(i.found_sid, first_value(i.call_sid) OVER by_attempt) <> i.call_sid AS orphan,
               row_number() OVER same_event = 1 AS first_of_event
        FROM input AS i
        WINDOW by_attempt AS (PARTITION BY i.found_id ORDER BY i.ordinal),
               same_event AS (PARTITION BY i.call_sid, i.sequence_number, i.status ORDER BY i.ordinal)
    ),
    inserted AS (
        INSERT INTO dialer.call_events AS e (call_sid, sequence_number, status, attempt_id, orphan, params)
        SELECT c.call_sid, c.sequence_number, c.status, CASE WHEN c.orphan THEN c.given_attempt_id ELSE c.found_id END,
               c.orphan, c.params
        FROM classified AS c
        ORDER BY c.ordinal
        ON CONFLICT (call_sid, sequence_number, status) DO NOTHING
        RETURNING e.call_sid, e.sequence_number, e.status
    ),
    admitted AS (
        SELECT c.*,
               CASE WHEN c.orphan THEN 'orphan'
                    WHEN c.first_of_event AND n.call_sid IS NOT NULL THEN 'new'
                    ELSE 'duplicate' END AS admission
        FROM classified AS c
        LEFT JOIN inserted AS n
            ON (n.call_sid, n.sequence_number, n.status) = (c.call_sid, c.sequence_number, c.status)
    ),
    -- Each new event against the call as the events before it left it.
    ranked AS (
        SELECT a.*, stored.status AS stored_status,
               -- (call_status_rank ranks anything unknown, NULL too, as terminal)
               greatest(CASE WHEN stored.status IS NULL THEN -1 ELSE dialer.call_status_rank(stored.status) END,
                        coalesce(max(a.rank) FILTER (WHERE a.admission = 'new') OVER earlier, -1)) AS prior_rank,
               coalesce(stored.answered_by,
                        (array_agg(a.answered_by) FILTER (WHERE a.admission = 'new' AND a.answered_by IS NOT NULL) OVER earlier)[1])
                   AS prior_answered_by
        FROM admitted AS a
        LEFT JOIN dialer.calls AS stored ON stored.call_sid = a.call_sid
        WINDOW earlier AS (PARTITION BY a.call_sid ORDER BY a.ordinal ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
    ),
    decided AS (
        SELECT r.*,
               CASE WHEN r.admission <> 'new' THEN r.admission
                    WHEN r.rank <= r.prior_rank THEN 'stale'
                    WHEN r.rank < 4 THEN 'moved'
                    ELSE 'ended' END AS outcome
        FROM ranked AS r
    ),
    -- Per call: the last event that moved it is the one whose status it keeps.
    call_changes AS (
        SELECT d.call_sid, (array_agg(d.found_id))[1] AS attempt_id, min(d.stored_status) AS stored_status,
               (array_agg(d.ordinal ORDER BY d.ordinal DESC) FILTER (WHERE d.outcome IN ('moved', 'ended')))[1] AS winner,
               (array_agg(d.answered_by ORDER BY d.ordinal) FILTER (WHERE d.answered_by IS NOT NULL))[1] AS answered_by,
               (array_agg(d.at ORDER BY d.ordinal) FILTER (WHERE d.status = 'in-progress'))[1] AS answered_at
        FROM decided AS d
        WHERE d.admission = 'new'
        GROUP BY d.call_sid
    ),
    calls_written AS (
        INSERT INTO dialer.calls AS c (call_sid, attempt_id, status, sequence_number, answered_by, duration_seconds,
                                       sip_response_code, answered_at, ended_at)
        SELECT ch.call_sid, ch.attempt_id, coalesce(w.status, ch.stored_status), w.sequence_number, ch.answered_by,
               w.duration_seconds, w.sip_response_code, ch.answered_at, CASE WHEN w.rank = 4 THEN w.at END
        FROM call_changes AS ch
        LEFT JOIN decided AS w ON w.ordinal = ch.winner
        ON CONFLICT (call_sid) DO UPDATE SET
            status = CASE WHEN dialer.call_status_rank(EXCLUDED.status) > dialer.call_status_rank(c.status) THEN EXCLUDED.status ELSE c.status END,
            sequence_number = CASE WHEN dialer.call_status_rank(EXCLUDED.status) > dialer.call_status_rank(c.status) THEN EXCLUDED.sequence_number ELSE c.sequence_number END,
            duration_seconds = CASE WHEN dialer.call_status_rank(EXCLUDED.status) > dialer.call_status_rank(c.status) THEN EXCLUDED.duration_seconds ELSE c.duration_seconds END,
            sip_response_code = CASE WHEN dialer.call_status_rank(EXCLUDED.status) > dialer.call_status_rank(c.status) THEN EXCLUDED.sip_response_code ELSE c.sip_response_code END,
            ended_at = CASE WHEN dialer.call_status_rank(EXCLUDED.status) > dialer.call_status_rank(c.status) THEN EXCLUDED.ended_at ELSE c.ended_at END,
            answered_by = coalesce(c.answered_by, EXCLUDED.answered_by),
            answered_at = coalesce(c.answered_at, EXCLUDED.answered_at),
            updated_at = now()
    ),
    -- Per attempt, one update (a statement may not change a row twice): settle an attempt the
    -- worker could not (a callback proves the call exists), and end it.
    attempt_changes AS (
        SELECT d.found_id AS id, bool_or(d.found_state IN ('dialing', 'unknown')) AS settle,
               (array_agg(d.call_sid ORDER BY d.ordinal))[1] AS call_sid, bool_or(d.outcome = 'ended') AS ended
        FROM decided AS d
        WHERE d.admission = 'new'
        GROUP BY d.found_id
    ),
    attempts_written AS (
        UPDATE dialer.call_attempts AS a SET
            state = CASE WHEN ch.settle THEN 'placed' ELSE a.state END,
            call_sid = CASE WHEN ch.settle THEN ch.call_sid ELSE a.call_sid END,
            updated_at = CASE WHEN ch.settle THEN now() ELSE a.updated_at END,
            ended_at = CASE WHEN ch.ended THEN now() ELSE a.ended_at END
        FROM attempt_changes AS ch
        WHERE a.id = ch.id AND (ch.settle OR ch.ended)
        RETURNING a.contact_id, ch.settle
    ),
    contacts_counted AS (
        UPDATE dialer.contacts AS k SET attempts = k.attempts + 1
        FROM attempts_written AS w
        WHERE w.settle AND k.id = w.contact_id
        RETURNING k.id, k.attempts
    )
    SELECT d.ordinal, d.outcome, d.found_id, d.found_contact, d.found_campaign,
           CASE WHEN d.admission = 'new' THEN d.prior_answered_by END,
           coalesce(counted.attempts, k.attempts), cp.retry_delays::text, cp.max_attempts, cp.voicemail_policy
    FROM decided AS d
    LEFT JOIN dialer.contacts AS k ON d.outcome = 'ended' AND k.id = d.found_contact
    LEFT JOIN contacts_counted AS counted ON d.outcome = 'ended' AND counted.id = d.found_contact
    LEFT JOIN dialer.campaigns AS cp ON d.outcome = 'ended' AND cp.id = d.found_campaign
    ORDER BY d.ordinal;
END
$$;

-- What follows the end of calls, for a batch (the retry policy that decided it lives in
-- Swift): each contact's next PlaceCall after its delay (retry_after >= 0) or its final
-- outcome, and each call's finalize job, a grace later. Job kinds come from the caller,
-- which owns them.
CREATE FUNCTION dialer.end_calls(
    p_contacts bigint[], p_campaigns bigint[], p_call_sids text[], p_next_keys text[], p_retry_after float8[],
    p_outcomes text[], p_place_call_kind text, p_finalize_kind text, p_finalize_grace float8
) RETURNS void
-- As record_call_statuses: planning would cost more than the work.
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
    )
    INSERT INTO dialer.jobs (kind, args, campaign_id, unique_key, run_at)
    SELECT p_finalize_kind, jsonb_build_object('callSID', e.sid), e.campaign, 'finalize:' || e.sid,
           now() + make_interval(secs => p_finalize_grace)
    FROM ended AS e
    ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL AND state IN ('available', 'running', 'retryable') DO NOTHING;
END
$$;
