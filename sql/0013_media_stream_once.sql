-- A call is streamed once. The handshake's signature covers only the stream URL, so whoever
-- has seen one signed handshake can replay it; what binds a stream to a call is its start
-- message, and a second binding for the same attempt is refused (MediaStreamStore) and,
-- between two racing starts, by this index.
CREATE UNIQUE INDEX media_streams_one_per_attempt ON dialer.media_streams (attempt_id) WHERE attempt_id IS NOT NULL;

-- A refused stream is closed at once: it must not hold its CallSid's Task sync back as if
-- a conversation were still going on.
UPDATE dialer.media_streams SET ended_at = started_at WHERE attempt_id IS NULL AND ended_at IS NULL;
