-- What happens on an answered call's media stream: the stream itself (when it opened and
-- closed, so the finalizer can wait for a stream still open), each transcript entry as it is
-- heard or spoken, and opt-outs heard on the call.

CREATE TABLE dialer.media_streams (
    stream_sid       text        PRIMARY KEY,
    call_sid         text        NOT NULL,
    -- From start.customParameters; NULL when the stream named no attempt we know.
    attempt_id       uuid        REFERENCES dialer.call_attempts (id),
    started_at       timestamptz NOT NULL DEFAULT now(),
    -- NULL while the stream is open (or its server died without closing it).
    ended_at         timestamptz,
    frames_received  integer     NOT NULL DEFAULT 0,
    frames_sent      integer     NOT NULL DEFAULT 0,
    -- Messages that were not valid Media Streams JSON: counted and skipped.
    malformed        integer     NOT NULL DEFAULT 0
);

CREATE INDEX media_streams_call ON dialer.media_streams (call_sid);

-- One row per turn: the callee's words as the recognizer heard them, the agent's as spoken.
-- Times are the stream's own milliseconds (Twilio's media timestamps).
CREATE TABLE dialer.transcript_entries (
    call_sid    text        NOT NULL,
    seq         integer     NOT NULL CHECK (seq >= 0),
    attempt_id  uuid        REFERENCES dialer.call_attempts (id),
    speaker     text        NOT NULL CHECK (speaker IN ('callee', 'agent')),
    text        text        NOT NULL,
    start_ms    integer     NOT NULL CHECK (start_ms >= 0),
    end_ms      integer     NOT NULL CHECK (end_ms >= start_ms),
    -- An agent turn the callee talked over: end_ms is where playback was confirmed to reach.
    interrupted boolean     NOT NULL DEFAULT false,
    confidence  real        CHECK (confidence BETWEEN 0 AND 1),
    -- The agent's name for the callee's answer (a script intent), for reporting.
    intent      text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (call_sid, seq)
);

-- Set when the callee asked on a call not to be called again; the finalizer then flags the
-- Contact DoNotCall in Salesforce.
ALTER TABLE dialer.contacts ADD COLUMN opted_out_at timestamptz;

-- An opt-out heard on a call: the number joins the internal DNC list (for every campaign) and
-- the contact is marked. Idempotent: a second opt-out on the same call changes nothing.
CREATE FUNCTION dialer.record_opt_out(p_call_sid text, p_attempt_id uuid) RETURNS text
LANGUAGE sql AS $$
    WITH contact AS (
        UPDATE dialer.contacts AS k SET opted_out_at = coalesce(k.opted_out_at, now())
        FROM dialer.call_attempts AS a
        WHERE a.id = p_attempt_id AND k.id = a.contact_id
        RETURNING k.phone_e164
    ), listed AS (
        INSERT INTO dialer.dnc (phone_e164, reason, source)
        SELECT phone_e164, 'opt_out', 'call ' || p_call_sid FROM contact WHERE phone_e164 IS NOT NULL
        ON CONFLICT (phone_e164) DO NOTHING
    )
    SELECT phone_e164 FROM contact
$$;
