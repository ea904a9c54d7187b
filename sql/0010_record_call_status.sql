-- Status callbacks in one round trip. Twilio sends four or more per call, at the rate calls
-- are placed and answered, so the webhook's work is one statement: admit the event, apply
-- it to the call, and say what the caller still has to decide (the retry policy, which lives
-- in Swift, on a terminal status). Callbacks that arrive together are applied together
-- (record_call_statuses), one transaction and one round trip for the lot.

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

-- A status callback, applied. The call's status moves only forward (invariant 3); an event
-- that does not move it changes nothing but what no other callback says (when the call was
-- answered, who answered), so any order of arrival ends in the same row.
-- outcome: 'orphan', 'duplicate', 'stale' (recorded, did not move), 'moved', or 'ended' (this
-- event ended the call: the attempt has left the calls in flight, and the remaining columns
-- hold what the retry policy needs).
CREATE FUNCTION dialer.record_call_status(
    p_call_sid text, p_attempt_id uuid, p_sequence_number integer, p_status text,
    p_answered_by text, p_duration_seconds integer, p_sip_response_code integer, p_at timestamptz, p_params jsonb,
    OUT outcome text, OUT attempt_id uuid, OUT contact_id bigint, OUT campaign_id bigint,
    OUT answered_by text, OUT attempts integer, OUT retry_delays text, OUT max_attempts integer,
    OUT voicemail_policy text
)
LANGUAGE plpgsql AS $$
DECLARE
    admitted record;
    previous_status text;
    moved boolean;
BEGIN
    SELECT * INTO admitted FROM dialer.admit_call_event(p_call_sid, p_attempt_id, p_sequence_number, p_status, p_params);
    attempt_id := admitted.attempt_id;
    contact_id := admitted.contact_id;
    campaign_id := admitted.campaign_id;
    IF admitted.admission <> 'new' THEN
        outcome := admitted.admission;
        RETURN;
    END IF;

    SELECT c.status, c.answered_by INTO previous_status, answered_by FROM dialer.calls AS c WHERE c.call_sid = p_call_sid;
    moved := previous_status IS NULL OR dialer.call_status_rank(p_status) > dialer.call_status_rank(previous_status);

    INSERT INTO dialer.calls AS c (call_sid, attempt_id, status, sequence_number, answered_by, duration_seconds,
                                   sip_response_code, answered_at, ended_at)
    VALUES (p_call_sid, admitted.attempt_id, p_status, p_sequence_number, p_answered_by, p_duration_seconds,
            p_sip_response_code,
            CASE WHEN p_status = 'in-progress' THEN p_at END,
            CASE WHEN dialer.call_status_rank(p_status) = 4 THEN p_at END)
    ON CONFLICT (call_sid) DO UPDATE SET
        status = CASE WHEN moved THEN EXCLUDED.status ELSE c.status END,
        sequence_number = CASE WHEN moved THEN EXCLUDED.sequence_number ELSE c.sequence_number END,
        answered_by = coalesce(c.answered_by, EXCLUDED.answered_by),
        duration_seconds = CASE WHEN moved THEN EXCLUDED.duration_seconds ELSE c.duration_seconds END,
        sip_response_code = CASE WHEN moved THEN EXCLUDED.sip_response_code ELSE c.sip_response_code END,
        answered_at = coalesce(c.answered_at, EXCLUDED.answered_at),
        ended_at = CASE WHEN moved THEN EXCLUDED.ended_at ELSE c.ended_at END,
        updated_at = now();

    IF NOT moved THEN
        outcome := 'stale';
    ELSIF dialer.call_status_rank(p_status) < 4 THEN
        outcome := 'moved';
    ELSE
        outcome := 'ended';
        UPDATE dialer.call_attempts AS a SET ended_at = now() WHERE a.id = admitted.attempt_id;
        SELECT k.attempts, c.retry_delays::text, c.max_attempts, c.voicemail_policy
        INTO attempts, retry_delays, max_attempts, voicemail_policy
        FROM dialer.contacts AS k JOIN dialer.campaigns AS c ON c.id = k.campaign_id
        WHERE k.id = admitted.contact_id;
    END IF;
END
$$;

-- Many status callbacks, in array order (the caller sorts them by CallSid, so concurrent
-- batches lock attempts in one order and cannot deadlock; one call's events keep their
-- arrival order). One row per event, `ordinal` its 1-based position. Arrays cannot carry a
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
LANGUAGE plpgsql AS $$
BEGIN
    FOR i IN 1 .. coalesce(array_length(p_call_sids, 1), 0) LOOP
        RETURN QUERY SELECT i, r.* FROM dialer.record_call_status(
            p_call_sids[i], nullif(p_attempt_ids[i], '')::uuid, p_sequence_numbers[i], p_statuses[i],
            nullif(p_answered_bys[i], ''), nullif(p_durations[i], -1), nullif(p_sip_response_codes[i], -1),
            p_ats[i], p_params[i]::jsonb
        ) AS r;
    END LOOP;
END
$$;
