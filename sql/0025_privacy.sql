-- Personal data kept only as long as it is needed: conversations purged past their age, and
-- one person's number and words erased everywhere the dialer keeps them. Outcomes, attempts,
-- calls' statuses and Task ids stay: they are the campaign's record, and hold no words.

-- How long a campaign keeps its conversations, in days after each call's end; NULL: until
-- an operator purges them (`dialer privacy purge`).
ALTER TABLE dialer.campaigns ADD COLUMN retention_days integer CHECK (retention_days > 0);

-- Calls whose conversation was purged; the partial index finds the next to purge, oldest first.
ALTER TABLE dialer.calls ADD COLUMN conversation_purged_at timestamptz;
CREATE INDEX calls_conversation_to_purge ON dialer.calls (ended_at)
    WHERE conversation_purged_at IS NULL AND ended_at IS NOT NULL;

-- An erasure looks a number up everywhere it is kept.
CREATE INDEX call_attempts_to ON dialer.call_attempts (to_e164);
CREATE INDEX contacts_phone ON dialer.contacts (phone_e164) WHERE phone_e164 IS NOT NULL;
CREATE INDEX call_requests_to ON dialer.call_requests (to_e164) WHERE to_e164 IS NOT NULL;

-- An API call whose number was erased keeps neither the number nor its message.
ALTER TABLE dialer.call_requests ADD COLUMN erased_at timestamptz;
ALTER TABLE dialer.call_requests DROP CONSTRAINT call_requests_check;
ALTER TABLE dialer.call_requests ADD CONSTRAINT call_requests_check
    CHECK (salesforce_id IS NOT NULL OR to_e164 IS NOT NULL OR erased_at IS NOT NULL);

-- What each purge and erasure did, for the operator and the auditor: counts, never a number
-- (an erasure shows its last four digits).
CREATE TABLE dialer.privacy_actions (
    id                 bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    action             text        NOT NULL CHECK (action IN ('purge', 'erase')),
    job_id             bigint      UNIQUE,
    campaign_id        bigint      REFERENCES dialer.campaigns (id),
    older_than         timestamptz,
    phone              text,
    calls              integer     NOT NULL DEFAULT 0,
    contacts           integer     NOT NULL DEFAULT 0,
    transcript_entries integer     NOT NULL DEFAULT 0,
    call_events        integer     NOT NULL DEFAULT 0,
    media_streams      integer     NOT NULL DEFAULT 0,
    webhook_events     integer     NOT NULL DEFAULT 0,
    started_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    finished_at        timestamptz
);

-- The words of calls `p_call_sids`: transcript entries, media-stream rows, the raw parameters
-- of their callbacks (the statuses stay) and the transcript in their call.ended events.
CREATE FUNCTION dialer.forget_conversations(
    p_call_sids text[], OUT transcript_entries integer, OUT call_events integer, OUT media_streams integer, OUT webhook_events integer
)
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM dialer.transcript_entries WHERE call_sid = ANY(p_call_sids);
    GET DIAGNOSTICS transcript_entries = ROW_COUNT;
    UPDATE dialer.call_events SET params = '{}' WHERE call_sid = ANY(p_call_sids) AND params <> '{}';
    GET DIAGNOSTICS call_events = ROW_COUNT;
    DELETE FROM dialer.media_streams WHERE call_sid = ANY(p_call_sids);
    GET DIAGNOSTICS media_streams = ROW_COUNT;
    UPDATE dialer.webhook_events SET payload = jsonb_set(payload, '{transcript}', '[]')
    WHERE subject = ANY(ARRAY(SELECT 'call.ended:' || s FROM unnest(p_call_sids) AS s))
      AND payload -> 'transcript' <> '[]';
    GET DIAGNOSTICS webhook_events = ROW_COUNT;
END
$$;

-- One batch of a purge: the conversations of up to p_limit calls that ended before p_before
-- (of one campaign, or of all), oldest first, and, for a purge of all, the unbound streams and
-- orphan callbacks of that age. Calls still under way are never touched: only ended ones
-- qualify. Locked rows are skipped (another purge has them). `calls` 0: nothing left.
CREATE FUNCTION dialer.purge_conversations(
    p_before timestamptz, p_campaign_id bigint, p_limit integer,
    OUT calls integer, OUT transcript_entries integer, OUT call_events integer, OUT media_streams integer, OUT webhook_events integer
)
LANGUAGE plpgsql AS $$
DECLARE
    sids text[];
    strays integer;
BEGIN
    SELECT coalesce(array_agg(c.call_sid), '{}') INTO sids
    FROM (SELECT c.call_sid FROM dialer.calls AS c
          WHERE c.conversation_purged_at IS NULL AND c.ended_at IS NOT NULL AND c.ended_at < p_before
            AND (p_campaign_id IS NULL
                 OR EXISTS (SELECT 1 FROM dialer.call_attempts AS a WHERE a.id = c.attempt_id AND a.campaign_id = p_campaign_id))
          ORDER BY c.ended_at
          LIMIT p_limit
          FOR UPDATE SKIP LOCKED) AS c;
    calls := cardinality(sids);
    SELECT f.transcript_entries, f.call_events, f.media_streams, f.webhook_events
    INTO transcript_entries, call_events, media_streams, webhook_events
    FROM dialer.forget_conversations(sids) AS f;
    UPDATE dialer.calls SET conversation_purged_at = now() WHERE call_sid = ANY(sids);
    IF p_campaign_id IS NULL THEN
        DELETE FROM dialer.media_streams
        WHERE stream_sid IN (SELECT stream_sid FROM dialer.media_streams
                             WHERE attempt_id IS NULL AND started_at < p_before LIMIT p_limit);
        GET DIAGNOSTICS strays = ROW_COUNT;
        media_streams := media_streams + strays;
        calls := calls + strays;
        UPDATE dialer.call_events SET params = '{}'
        WHERE id IN (SELECT id FROM dialer.call_events
                     WHERE orphan AND received_at < p_before AND params <> '{}' LIMIT p_limit);
        GET DIAGNOSTICS strays = ROW_COUNT;
        call_events := call_events + strays;
        calls := calls + strays;
    END IF;
END
$$;

-- One batch of an erasure of p_phone: the number goes on the DNC list first (no call to it
-- starts from here on), then up to p_limit of its attempts and contacts lose it (masked to
-- its last four digits, or removed) with their words: names, CRM fields, transcripts, stream
-- rows, callback parameters, call.ended transcripts; API calls to it lose it and their
-- message. The DNC list keeps the number: it is what keeps the person from being called.
-- `calls`, `contacts` and `requests` 0: nothing left.
CREATE FUNCTION dialer.erase_phone(
    p_phone text, p_limit integer,
    OUT calls integer, OUT contacts integer, OUT requests integer, OUT transcript_entries integer, OUT call_events integer,
    OUT media_streams integer, OUT webhook_events integer
)
LANGUAGE plpgsql AS $$
DECLARE
    sids text[];
    ids uuid[];
BEGIN
    INSERT INTO dialer.dnc (phone_e164, reason, source) VALUES (p_phone, 'erased', 'privacy erase')
    ON CONFLICT (phone_e164) DO NOTHING;

    SELECT coalesce(array_agg(a.id), '{}'), coalesce(array_agg(a.call_sid) FILTER (WHERE a.call_sid IS NOT NULL), '{}')
    INTO ids, sids
    FROM (SELECT id, call_sid FROM dialer.call_attempts WHERE to_e164 = p_phone LIMIT p_limit FOR UPDATE) AS a;
    calls := cardinality(ids);
    SELECT f.transcript_entries, f.call_events, f.media_streams, f.webhook_events
    INTO transcript_entries, call_events, media_streams, webhook_events
    FROM dialer.forget_conversations(sids) AS f;
    UPDATE dialer.calls SET conversation_purged_at = coalesce(conversation_purged_at, now()) WHERE call_sid = ANY(sids);
    UPDATE dialer.call_attempts SET to_e164 = dialer.masked_phone(p_phone) WHERE id = ANY(ids);

    UPDATE dialer.contacts
    SET phone_e164 = NULL, first_name = NULL, last_name = NULL, context = '{}',
        skip_reason = CASE WHEN outcome IS NULL THEN coalesce(skip_reason, 'internal_dnc') ELSE skip_reason END,
        skip_detail = CASE WHEN outcome IS NULL AND skip_reason IS NULL THEN 'the number was erased' ELSE skip_detail END
    WHERE id IN (SELECT id FROM dialer.contacts WHERE phone_e164 = p_phone LIMIT p_limit FOR UPDATE);
    GET DIAGNOSTICS contacts = ROW_COUNT;

    UPDATE dialer.call_requests SET to_e164 = NULL, message = NULL, erased_at = now(), updated_at = now()
    WHERE id IN (SELECT id FROM dialer.call_requests WHERE to_e164 = p_phone LIMIT p_limit FOR UPDATE);
    GET DIAGNOSTICS requests = ROW_COUNT;
END
$$;

-- No number in it: the monitor role may read it.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'dialer_monitor') THEN
        GRANT SELECT ON dialer.privacy_actions TO dialer_monitor;
    END IF;
END
$$;
