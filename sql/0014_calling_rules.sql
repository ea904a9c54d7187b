-- Calling hours at zone edges, and calling rules as data.
--
-- A contact may be in more than one time zone: a state or area code that spans a zone line,
-- or a mobile number kept after a move. `time_zones` holds every candidate (the primary one,
-- `time_zone`, first) and a call starts only inside the window in all of them.
-- `calling_states` holds every US state the contact may be in (the mailing state and the
-- area code's), whose calling rules apply. Rows written without them (older workers, tests,
-- benchmarks) are dialed by `time_zone` and the mailing state alone.

ALTER TABLE dialer.contacts
    ADD COLUMN time_zones     text[] NOT NULL DEFAULT '{}',
    ADD COLUMN calling_states text[] NOT NULL DEFAULT '{}';

UPDATE dialer.contacts SET time_zones = ARRAY[time_zone] WHERE time_zone IS NOT NULL;

-- A postal code that narrows a split state is a source of its own.
ALTER TABLE dialer.contacts DROP CONSTRAINT contacts_time_zone_source_check;
ALTER TABLE dialer.contacts ADD CONSTRAINT contacts_time_zone_source_check
    CHECK (time_zone_source IN ('mailing_state', 'postal_code', 'area_code'));

-- When calls may go out, per state (two-letter code) and for every contact ('*'): the hours
-- in the callee's local time, the ISO weekdays (1 = Monday … 7 = Sunday) and the local dates
-- with no calls at all. Every rule that applies to a contact narrows its window (the '*' one
-- and each of its states'); none can widen the federal 08:00–21:00.
CREATE TABLE dialer.calling_rules (
    state         text        PRIMARY KEY CHECK (state = '*' OR state ~ '^[A-Z]{2}$'),
    start_time    time        NOT NULL DEFAULT '08:00',
    end_time      time        NOT NULL DEFAULT '21:00',
    weekdays      smallint[]  NOT NULL DEFAULT '{1,2,3,4,5,6,7}'
                  CHECK (weekdays <@ '{1,2,3,4,5,6,7}'::smallint[]),
    no_call_dates date[]      NOT NULL DEFAULT '{}',
    note          text,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT calling_rules_inside_federal_hours
        CHECK (start_time >= '08:00' AND end_time <= '21:00' AND start_time < end_time)
);

-- Shipped with the federal rule only (47 U.S.C. 227, 47 CFR 64.1200(c)(1)): state hours,
-- Sundays and holidays are the operator's to fill in (`dialer rules set`, docs/COMPLIANCE.md).
INSERT INTO dialer.calling_rules (state, note)
VALUES ('*', 'federal: 08:00-21:00 in the callee''s local time');
