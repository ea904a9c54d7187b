-- The operator's console (issue 20): its sessions, and the notifications that keep its pages live.
--
-- A session is opened by signing in with an API key. Only a SHA-256 of the session id is kept
-- (the id itself lives in the browser's HttpOnly cookie), so a copy of this table opens nothing.
-- Several `dialer serve` processes behind one load balancer share the table. A session belongs to
-- its key: a revoked key's sessions stop working at once (the lookup joins the live key).
CREATE TABLE dialer.console_sessions (
    id_hash bytea PRIMARY KEY CHECK (length(id_hash) = 32),
    api_key_id bigint NOT NULL REFERENCES dialer.api_keys (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    -- Idle expiry: each use pushes it out (at most once a minute, so reading is not writing).
    expires_at timestamptz NOT NULL
);

CREATE INDEX console_sessions_api_key ON dialer.console_sessions (api_key_id);
CREATE INDEX console_sessions_expires_at ON dialer.console_sessions (expires_at);

-- Live pages: statement-level triggers send small, coarse payloads on the channel
-- `dialer_console` ('campaign:<id>', 'call:<CallSid>', 'tasks'); the console re-reads what it
-- shows. One notification per distinct payload and statement, and Postgres folds identical ones
-- within a transaction, so a bulk import page or a batch of status callbacks costs a handful
-- of notifications, not one per row. Notifications are sent on commit and cost nothing when
-- nobody listens beyond the queue entry.
CREATE FUNCTION dialer.console_notify_campaign_rows() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
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

-- A call's status: its campaign's pages and its own page.
CREATE FUNCTION dialer.console_notify_calls() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('dialer_console', p.payload)
    FROM (
        SELECT DISTINCT 'campaign:' || a.campaign_id AS payload FROM changed c JOIN dialer.call_attempts a ON a.id = c.attempt_id
        UNION
        SELECT DISTINCT 'call:' || c.call_sid FROM changed c
    ) AS p;
    RETURN NULL;
END
$$;

CREATE FUNCTION dialer.console_notify_transcript() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('dialer_console', 'call:' || t.call_sid) FROM (SELECT DISTINCT call_sid FROM changed) AS t;
    RETURN NULL;
END
$$;

-- A trigger with a transition table answers one event, hence an insert and an update trigger each.
CREATE TRIGGER console_notify_inserted AFTER INSERT ON dialer.campaigns
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION dialer.console_notify_campaign_rows('id');
CREATE TRIGGER console_notify_updated AFTER UPDATE ON dialer.campaigns
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION dialer.console_notify_campaign_rows('id');
CREATE TRIGGER console_notify_inserted AFTER INSERT ON dialer.contacts
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION dialer.console_notify_campaign_rows('campaign_id');
CREATE TRIGGER console_notify_updated AFTER UPDATE ON dialer.contacts
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION dialer.console_notify_campaign_rows('campaign_id');
CREATE TRIGGER console_notify_inserted AFTER INSERT ON dialer.call_attempts
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION dialer.console_notify_campaign_rows('campaign_id');
CREATE TRIGGER console_notify_updated AFTER UPDATE ON dialer.call_attempts
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION dialer.console_notify_campaign_rows('campaign_id');
CREATE TRIGGER console_notify_inserted AFTER INSERT ON dialer.task_syncs
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION dialer.console_notify_campaign_rows('campaign_id');
CREATE TRIGGER console_notify_updated AFTER UPDATE ON dialer.task_syncs
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION dialer.console_notify_campaign_rows('campaign_id');
CREATE TRIGGER console_notify_inserted AFTER INSERT ON dialer.calls
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION dialer.console_notify_calls();
CREATE TRIGGER console_notify_updated AFTER UPDATE ON dialer.calls
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION dialer.console_notify_calls();
CREATE TRIGGER console_notify_inserted AFTER INSERT ON dialer.transcript_entries
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION dialer.console_notify_transcript();
