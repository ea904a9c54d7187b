-- Calls as Twilio reports them through status callbacks, and every callback as received.

-- Call statuses in the order a call moves through them; every terminal one ranks last, so a
-- status is applied only when its rank is higher than the stored one (invariant 3).
CREATE FUNCTION dialer.call_status_rank(status text) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE status
        WHEN 'queued' THEN 0 WHEN 'initiated' THEN 1 WHEN 'ringing' THEN 2 WHEN 'in-progress' THEN 3
        ELSE 4
    END
$$;

CREATE TABLE dialer.calls (
    call_sid             text        PRIMARY KEY,
    attempt_id           uuid        NOT NULL UNIQUE REFERENCES dialer.call_attempts (id),
    status               text        NOT NULL CHECK (status IN (
                             'queued', 'initiated', 'ringing', 'in-progress',
                             'completed', 'busy', 'no-answer', 'failed', 'canceled')),
    -- The SequenceNumber of the callback whose status is stored.
    sequence_number      integer,
    answered_by          text,
    duration_seconds     integer,
    sip_response_code    integer,
    answered_at          timestamptz,
    ended_at             timestamptz,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE dialer.call_events (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    call_sid        text        NOT NULL,
    -- Status callbacks carry SequenceNumber from 0; AMD results carry none (-1).
    sequence_number integer     NOT NULL,
    -- CallStatus, or 'amd' for an answering-machine result.
    status          text        NOT NULL,
    -- From the callback URL; NULL or unknown for an orphan.
    attempt_id      uuid,
    -- A validly signed callback for no attempt we know: kept, answered 200, changes nothing.
    orphan          boolean     NOT NULL DEFAULT false,
    params          jsonb       NOT NULL,
    received_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (call_sid, sequence_number, status)
);

CREATE INDEX call_events_orphans ON dialer.call_events (received_at) WHERE orphan;
