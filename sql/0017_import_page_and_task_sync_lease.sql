-- The two longest statements that lived in Swift strings, as named functions (the rule in
-- docs/ARCHITECTURE.md, "Where SQL lives"): a page of the import, and the finalizer's lease
-- of ready Task syncs. Same statements, same behaviour; the Swift binds the arguments.

-- Adds one page of contacts and a place_call job for each callable one, and counts the page
-- in the campaign's progress, in one transaction (CampaignStore.importPage).
--
-- Idempotent: a contact already imported for the campaign is left alone, and no second job is
-- queued for it. A number on the internal DNC list, or already held by another callable
-- contact of the campaign, is recorded with its skip reason instead. The arrays are parallel,
-- one element per contact, '' for none; time_zones and calling_states are comma-separated
-- (zone and state names hold no commas). The callable contacts must not repeat a number.
CREATE FUNCTION dialer.import_page(
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
                                  AND c.skip_reason IS NULL AND c.salesforce_id <> i.salesforce_id) THEN 'duplicate_phone'
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
        ON CONFLICT (campaign_id, salesforce_id) DO NOTHING
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

-- Leases up to p_limit ready Task syncs to p_owner (TaskSyncQueue.lease): pending, due, not
-- leased by a live run, and with the call's media stream closed (its last transcript rows
-- have landed), or open for longer than p_stream_wait seconds past the sync's due time (its
-- server died with it). Returns what each Task is made of.
--
-- Runs lease one at a time (a transaction-level advisory lock, key "dialtask"): runs that
-- leased at once would each skip the rows the others are locking and write half batches, so
-- more requests to Salesforce for the same Tasks. The lease's query runs after the lock, with
-- a snapshot that sees what the previous holder committed.
CREATE FUNCTION dialer.lease_task_syncs(
    p_limit integer, p_owner text, p_lease_seconds double precision, p_stream_wait double precision
) RETURNS TABLE (
    call_sid text, sent_before boolean, attempts integer, contact_salesforce_id text, account_id text,
    disposition text, duration_seconds integer, answered boolean, local_date text, opt_out_to_sync boolean
)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
    PERFORM pg_advisory_xact_lock(7235421394784318315);  -- 0x6469616C7461736B, "dialtask"
    RETURN QUERY
    WITH ready AS (
        SELECT s.call_sid FROM dialer.task_syncs AS s
        WHERE s.state = 'pending' AND s.ready_at <= now() AND (s.lease_expires_at IS NULL OR s.lease_expires_at < now())
          AND (s.ready_at <= now() - make_interval(secs => p_stream_wait)
               OR NOT EXISTS (SELECT 1 FROM dialer.media_streams AS m
                              WHERE m.call_sid = s.call_sid AND m.ended_at IS NULL))
        ORDER BY s.ready_at LIMIT p_limit
        FOR UPDATE SKIP LOCKED
    ), leased AS (
        UPDATE dialer.task_syncs AS s
        SET lease_owner = p_owner, lease_expires_at = now() + make_interval(secs => p_lease_seconds), updated_at = now()
        FROM ready WHERE s.call_sid = ready.call_sid
        RETURNING s.call_sid, s.attempt_id, s.sent_at IS NOT NULL AS sent_before, s.attempts, s.do_not_call_synced_at IS NOT NULL AS dnc_synced
    )
    SELECT l.call_sid, l.sent_before, l.attempts, k.salesforce_id, k.account_id,
           dialer.call_disposition(c.status, c.answered_by, c.answered_at IS NOT NULL), c.duration_seconds, c.answered_at IS NOT NULL,
           to_char((coalesce(c.answered_at, a.created_at) AT TIME ZONE coalesce(k.time_zone, 'UTC'))::date, 'YYYY-MM-DD'),
           k.opted_out_at IS NOT NULL AND NOT l.dnc_synced
    FROM leased AS l
    JOIN dialer.call_attempts AS a ON a.id = l.attempt_id
    JOIN dialer.contacts AS k ON k.id = a.contact_id
    JOIN dialer.calls AS c ON c.call_sid = l.call_sid;
END
$$;
