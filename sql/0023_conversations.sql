-- Conversations that know whom they are talking to, and answering machines that get a
-- message after their beep.

-- Whether a call's agent leaves its message now: a machine's greeting has ended (Twilio's
-- AMD with DetectMessageEnd) and the campaign leaves messages. machine_start is AMD with
-- Enable, before the greeting has ended: speaking then would be lost in the greeting.
CREATE FUNCTION dialer.leaves_voicemail(answered_by text, voicemail_policy text) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT voicemail_policy = 'leave_message'
       AND answered_by IN ('machine_end_beep', 'machine_end_silence', 'machine_end_other')
$$;

-- What the agent may say about a contact: the fields its campaign's query selected beyond
-- those the dialer dials by (Description, Account.Name, custom fields), as text by API name.
ALTER TABLE dialer.contacts ADD COLUMN context jsonb NOT NULL DEFAULT '{}';

-- The import's page (sql/0019) with each contact's context.
DROP FUNCTION dialer.import_page(bigint, integer, text, text[], text[], text[], text[], text[], text[], text[], text[], text[],
                                 text[], text[], text[], text[]);
CREATE FUNCTION dialer.import_page(
    p_campaign_id bigint, p_salesforce_total integer, p_place_call_kind text,
    p_salesforce_ids text[], p_account_ids text[], p_first_names text[], p_last_names text[], p_phones text[],
    p_phone_fields text[], p_mailing_states text[], p_time_zones text[], p_time_zone_sources text[],
    p_skip_reasons text[], p_skip_details text[], p_candidate_zones text[], p_calling_states text[], p_contexts text[],
    OUT contacts_added integer, OUT calls_queued integer
)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    callable bigint[];
BEGIN
    WITH input AS (
        SELECT * FROM unnest(
            p_salesforce_ids, p_account_ids, p_first_names, p_last_names, p_phones, p_phone_fields, p_mailing_states,
            p_time_zones, p_time_zone_sources, p_skip_reasons, p_skip_details, p_candidate_zones, p_calling_states, p_contexts
        ) WITH ORDINALITY AS t(salesforce_id, account_id, first_name, last_name, phone, phone_field, mailing_state,
                               time_zone, time_zone_source, skip_reason, skip_detail, time_zones, calling_states, context, ord)
    ), classified AS (
        SELECT i.*,
               CASE
                   WHEN i.skip_reason <> '' THEN i.skip_reason
                   WHEN EXISTS (SELECT 1 FROM dialer.dnc AS d WHERE d.phone_e164 = i.phone) THEN 'internal_dnc'
                   WHEN EXISTS (SELECT 1 FROM dialer.contacts AS c
                                WHERE c.campaign_id = p_campaign_id AND c.phone_e164 = i.phone
                                  AND c.skip_reason IS NULL AND c.request_id IS NULL
                                  AND c.salesforce_id <> i.salesforce_id) THEN 'duplicate_phone'
               END AS reason
        FROM input AS i
    ), inserted AS (
        INSERT INTO dialer.contacts (campaign_id, salesforce_id, account_id, first_name, last_name, phone_e164, phone_field,
                                     mailing_state, time_zone, time_zone_source, skip_reason, skip_detail,
                                     time_zones, calling_states, context)
        SELECT p_campaign_id, salesforce_id, NULLIF(account_id, ''), NULLIF(first_name, ''), NULLIF(last_name, ''),
               NULLIF(phone, ''), NULLIF(phone_field, ''), NULLIF(mailing_state, ''), NULLIF(time_zone, ''),
               NULLIF(time_zone_source, ''), reason,
               CASE reason
                   WHEN 'internal_dnc' THEN 'on the internal do-not-call list'
                   WHEN 'duplicate_phone' THEN coalesce(NULLIF(skip_detail, ''), 'number already held by another contact of this campaign')
                   ELSE NULLIF(skip_detail, '')
               END,
               coalesce(string_to_array(NULLIF(time_zones, ''), ','), '{}'),
               coalesce(string_to_array(NULLIF(calling_states, ''), ','), '{}'),
               coalesce(NULLIF(context, '')::jsonb, '{}')
        FROM classified
        ORDER BY ord
        ON CONFLICT (campaign_id, salesforce_id) WHERE request_id IS NULL DO NOTHING
        RETURNING id, skip_reason
    )
    SELECT count(*), coalesce(array_agg(id ORDER BY id) FILTER (WHERE skip_reason IS NULL), '{}')
    INTO contacts_added, callable
    FROM inserted;

    -- Each callable contact's first call, in contact order (its dialing order).
    SELECT count(*) INTO calls_queued
    FROM dialer.enqueue_jobs(
        array_fill(p_place_call_kind, ARRAY[cardinality(callable)]),
        ARRAY(SELECT jsonb_build_object('contactID', c) FROM unnest(callable) WITH ORDINALITY AS u(c, ord) ORDER BY ord),
        ARRAY(SELECT dialer.place_call_key(c) FROM unnest(callable) WITH ORDINALITY AS u(c, ord) ORDER BY ord),
        array_fill(p_campaign_id, ARRAY[cardinality(callable)]));

    UPDATE dialer.campaigns
    SET records_seen = records_seen + cardinality(p_salesforce_ids), salesforce_total = p_salesforce_total, updated_at = now()
    WHERE id = p_campaign_id;
END
$$;

-- A person to hand a call to: the campaign's transfer number, during its hours in its zone.
ALTER TABLE dialer.campaigns
    ADD COLUMN transfer_number text CHECK (transfer_number ~ '^\+[1-9][0-9]{6,14}$'),
    ADD COLUMN transfer_hours_start time NOT NULL DEFAULT '09:00',
    ADD COLUMN transfer_hours_end time NOT NULL DEFAULT '17:00',
    ADD COLUMN transfer_time_zone text NOT NULL DEFAULT 'UTC',
    ADD CONSTRAINT campaigns_transfer_hours_check CHECK (transfer_hours_start < transfer_hours_end);

-- Where a call was handed over, and when: the Task says to whom.
ALTER TABLE dialer.calls ADD COLUMN transferred_to text, ADD COLUMN transferred_at timestamptz;

-- The campaign's transfer number when its people are there now, '' when they are not, NULL
-- when it names none.
CREATE FUNCTION dialer.transfer_target(p_campaign_id bigint) RETURNS text
    LANGUAGE sql STABLE
    AS $$
    SELECT CASE
        WHEN c.transfer_number IS NULL THEN NULL
        WHEN (now() AT TIME ZONE c.transfer_time_zone)::time >= c.transfer_hours_start
         AND (now() AT TIME ZONE c.transfer_time_zone)::time < c.transfer_hours_end THEN c.transfer_number
        ELSE ''
    END
    FROM dialer.campaigns AS c WHERE c.id = p_campaign_id
$$;
