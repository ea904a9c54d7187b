-- One call asked for through the API (POST /v1/calls, issue 20), dialed through the same gate
-- as a campaign's calls: a call request becomes a contact row of a campaign and a place_call
-- job, so the DNC list, the calling hours of every candidate zone, the rates and the attempt
-- committed before Twilio's POST all come from PlaceCall.
--
-- The request is written before anything outside is asked: with a Salesforce contactId, the
-- Contact is read later by a prepare_call job (an outage leaves a queued call, not an error),
-- which writes the contact row; with only a `to`, the POST writes it at once. The request's id
-- is the call's id in the API from the 202 on, and the id of its first attempt.
CREATE TABLE dialer.call_requests (
    id            uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    campaign_id   bigint      NOT NULL REFERENCES dialer.campaigns (id),
    -- The Contact the call is about (its Task's WhoId), when the client named one.
    salesforce_id text        CHECK (salesforce_id ~ '^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$'),
    -- The number to dial, when the client gave one (else the Contact's, as the import picks it).
    to_e164       text        CHECK (to_e164 ~ '^\+[1-9][0-9]{7,14}$'),
    -- The caller ID for this call when it is not the campaign's: the client's, or the serve
    -- configuration's default for the built-in campaign.
    from_e164     text        CHECK (from_e164 ~ '^\+[1-9][0-9]{7,14}$'),
    -- What the agent is to say (the client's, else the Contact's Description), kept for it.
    message       text        CHECK (length(message) <= 1000),
    -- pending: the Contact is still to be read; prepared: the contact row exists;
    -- failed: it never will (no such Contact), with the reason in error.
    state         text        NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'prepared', 'failed')),
    error         text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (salesforce_id IS NOT NULL OR to_e164 IS NOT NULL),
    CHECK ((state = 'failed') = (error IS NOT NULL))
);

-- The contact row a request made. Such a row is one call's, not a list's: the same Contact or
-- number may be asked for again (each request is its own call), so the import's uniqueness
-- (one row per Contact and campaign, one callable row per number and campaign) holds for
-- imported rows only, and a `to`-only call has no Salesforce id.
ALTER TABLE dialer.contacts ADD COLUMN request_id uuid REFERENCES dialer.call_requests (id);
CREATE UNIQUE INDEX contacts_request ON dialer.contacts (request_id) WHERE request_id IS NOT NULL;
ALTER TABLE dialer.contacts ALTER COLUMN salesforce_id DROP NOT NULL;
ALTER TABLE dialer.contacts ADD CONSTRAINT contacts_salesforce_id_or_request CHECK (salesforce_id IS NOT NULL OR request_id IS NOT NULL);
ALTER TABLE dialer.contacts DROP CONSTRAINT contacts_campaign_id_salesforce_id_key;
CREATE UNIQUE INDEX contacts_imported ON dialer.contacts (campaign_id, salesforce_id) WHERE request_id IS NULL;
DROP INDEX dialer.contacts_callable_phone;
CREATE UNIQUE INDEX contacts_callable_phone ON dialer.contacts (campaign_id, phone_e164)
    WHERE skip_reason IS NULL AND request_id IS NULL;

-- The import's page (sql/0017), with the two uniqueness rules above: its conflict target is
-- the imported rows' index, and a number held by an API call's row is no duplicate.
CREATE OR REPLACE FUNCTION dialer.import_page(
    p_campaign_id bigint, p_salesforce_total integer, p_place_call_kind text,
    p_salesforce_ids text[], p_account_ids text[], p_first_names text[], p_last_names text[], p_phones text[],
    p_phone_fields text[], p_mailing_states text[], p_time_zones text[], p_time_zone_sources text[],
    p_skip_reasons text[], p_skip_details text[], p_candidate_zones text[], p_calling_states text[],
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
            p_time_zones, p_time_zone_sources, p_skip_reasons, p_skip_details, p_candidate_zones, p_calling_states
        ) WITH ORDINALITY AS t(salesforce_id, account_id, first_name, last_name, phone, phone_field, mailing_state,
                               time_zone, time_zone_source, skip_reason, skip_detail, time_zones, calling_states, ord)
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
                                     time_zones, calling_states)
        SELECT p_campaign_id, salesforce_id, NULLIF(account_id, ''), NULLIF(first_name, ''), NULLIF(last_name, ''),
               NULLIF(phone, ''), NULLIF(phone_field, ''), NULLIF(mailing_state, ''), NULLIF(time_zone, ''),
               NULLIF(time_zone_source, ''), reason,
               CASE reason
                   WHEN 'internal_dnc' THEN 'on the internal do-not-call list'
                   WHEN 'duplicate_phone' THEN coalesce(NULLIF(skip_detail, ''), 'number already held by another contact of this campaign')
                   ELSE NULLIF(skip_detail, '')
               END,
               coalesce(string_to_array(NULLIF(time_zones, ''), ','), '{}'),
               coalesce(string_to_array(NULLIF(calling_states, ''), ','), '{}')
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
