-- What the call says before the agent speaks: that an AI voice is calling (an artificial voice
-- must say so) and, if the campaign wants, that the call is recorded. Spoken by Twilio's <Say>
-- before the media stream connects; NULL or empty says nothing.
ALTER TABLE dialer.campaigns ADD COLUMN disclosure text CHECK (length(disclosure) <= 500);
