-- The HTTP API's keys and the answers it has given to idempotent requests (issue 20).
--
-- A key is shown once, when it is created; only its SHA-256 is kept, so a copy of the database
-- cannot be used to call the API. A revoked key keeps its row (the audit trail: who had what,
-- when it was last used) and frees its name for a new key.
CREATE TABLE dialer.api_keys (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL CHECK (name ~ '^[a-z0-9][a-z0-9._-]{0,62}$'),
    -- The first characters of the key, so an operator can tell which key a client holds.
    prefix text NOT NULL,
    key_hash bytea NOT NULL UNIQUE CHECK (length(key_hash) = 32),
    scopes text[] NOT NULL CHECK (
        cardinality(scopes) > 0
        AND scopes <@ ARRAY['read', 'calls:write', 'campaigns:write', 'tasks:write', 'webhooks:write', 'pii:read']
    ),
    created_at timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at timestamptz
);

CREATE UNIQUE INDEX api_keys_live_name ON dialer.api_keys (name) WHERE revoked_at IS NULL;

-- The first answer to a POST that carried an Idempotency-Key, kept 24 hours: the same key and
-- body get this answer again (and nothing is done twice), another body gets 409. Keys belong to
-- the API key that sent them, so two clients cannot collide. The row is written in the same
-- transaction as what the request created: a request that failed left no key behind.
CREATE TABLE dialer.idempotency_keys (
    api_key_id bigint NOT NULL REFERENCES dialer.api_keys (id),
    key text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    -- The operation the key was first used for, and a SHA-256 of its request.
    operation text NOT NULL,
    request_hash bytea NOT NULL,
    response_status integer NOT NULL,
    response_body jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (api_key_id, key)
);

CREATE INDEX idempotency_keys_created_at ON dialer.idempotency_keys (created_at);

-- The API's and the console's lists of calls, newest first, page by page (a cursor is the last
-- row's created_at and id): one campaign's, or everyone's.
CREATE INDEX call_attempts_campaign_newest ON dialer.call_attempts (campaign_id, created_at DESC, id DESC);
CREATE INDEX call_attempts_newest ON dialer.call_attempts (created_at DESC, id DESC);
