-- A campaign's life after its import: it completes by itself, and pauses itself for faults that are its own.

-- A campaign ends by itself: once its import has read every page, every callable contact
-- has an outcome, and nothing of it is left to do (no attempt dialing or call on the line, no
-- queued, retrying or running job, no Task sync pending), an active campaign becomes
-- completed. A failed Task sync does not hold it open: it waits for an operator
-- (`dialer tasks retry`), and the campaign's numbers show it.

ALTER TABLE dialer.campaigns ADD COLUMN completed_at timestamptz;

-- Completes every campaign that is finished; returns their names. Safe to run from any
-- number of workers at once: the UPDATE takes each campaign's row lock and re-checks status.
CREATE FUNCTION dialer.complete_finished_campaigns() RETURNS SETOF text
LANGUAGE sql AS $$
    UPDATE dialer.campaigns AS c
    SET status = 'completed', completed_at = now(), updated_at = now()
    WHERE c.status = 'active'
      AND c.imported_at IS NOT NULL
      AND NOT EXISTS (
          SELECT 1 FROM dialer.contacts AS k
          WHERE k.campaign_id = c.id AND k.skip_reason IS NULL AND k.outcome IS NULL)
      AND NOT EXISTS (
          SELECT 1 FROM dialer.call_attempts AS a LEFT JOIN dialer.calls AS cl ON cl.attempt_id = a.id
          WHERE a.campaign_id = c.id
            AND (a.state IN ('dialing', 'unknown') OR (a.state = 'placed' AND cl.ended_at IS NULL)))
      AND NOT EXISTS (
          SELECT 1 FROM dialer.jobs AS j
          WHERE j.campaign_id = c.id AND j.state IN ('available', 'retryable', 'running'))
      AND NOT EXISTS (
          SELECT 1 FROM dialer.task_syncs AS s WHERE s.campaign_id = c.id AND s.state = 'pending')
    RETURNING c.name
$$;

-- Why the dialer itself paused a campaign (Twilio refused its From, the account is
-- suspended): shown by `dialer campaign show`, cleared when an operator resumes it.
ALTER TABLE dialer.campaigns ADD COLUMN pause_reason text;
