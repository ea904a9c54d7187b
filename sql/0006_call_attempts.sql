-- One row per dial of a contact, committed before the request to Twilio.
--
-- unique (contact_id, attempt_number) is invariant 1 in the schema: whatever happens to the
-- worker, a contact's attempt n can be started once. A job that runs again finds its row and
-- reconciles (callbacks carry the row id; then Twilio's Calls list) instead of dialing.
CREATE TABLE dialer.call_attempts (
    id                uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    contact_id        bigint      NOT NULL REFERENCES dialer.contacts (id),
    campaign_id       bigint      NOT NULL REFERENCES dialer.campaigns (id),
    attempt_number    integer     NOT NULL CHECK (attempt_number > 0),
    -- The place_call job that made it (jobs are pruned, so no foreign key).
    job_id            bigint,
    -- dialing: committed, POST not known to have succeeded; placed: Twilio gave a CallSid;
    -- failed: Twilio refused it; unknown: the POST's outcome is ambiguous, reconcile first.
    state             text        NOT NULL DEFAULT 'dialing' CHECK (state IN ('dialing', 'placed', 'failed', 'unknown')),
    to_e164           text        NOT NULL,
    from_e164         text        NOT NULL,
    call_sid          text        UNIQUE,
    twilio_error_code integer,
    error_message     text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (contact_id, attempt_number),
    CHECK ((state = 'placed') = (call_sid IS NOT NULL))
);

-- Attempts whose outcome nobody knows yet: what reconciliation looks at.
CREATE INDEX call_attempts_unsettled ON dialer.call_attempts (created_at) WHERE state IN ('dialing', 'unknown');
