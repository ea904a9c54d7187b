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
