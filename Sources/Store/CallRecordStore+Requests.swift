import Foundation
import PostgresNIO

/// Calls asked for through the API, read by the id the 202 gave: from that moment on, before
/// any attempt exists, and after retries, always the call's latest state.
extension CallRecordStore {
    /// The call a request made, or nil when `id` is no request's. Its state is the latest of:
    ///
    /// - `queued`: the Contact is still to be read (`prepare_call`, retried through an outage),
    ///   or the call may be dialed now and waits for its turn (rate, calls in flight);
    /// - `scheduled`: its next dial is due later (`scheduledFor`): outside calling hours, or a
    ///   retry the campaign's policy made;
    /// - an attempt's: `dialing`, `unknown`, `placed`, then Twilio's (`queued`, `ringing`,
    ///   `in-progress`, `completed`, `busy`, `no-answer`, `failed`, `canceled`);
    /// - `skipped` (with `skipReason`: `do_not_call`, `internal_dnc`, `invalid_phone`,
    ///   `no_time_zone`): never dialed; `failed`: no such Contact; `cancelled`: its job was
    ///   cancelled (the campaign was, or its zones share no calling hours).
    public func requestedCall(id: UUID, revealPhones: Bool) async throws -> CallRecord? {
        let phone = "coalesce(a.to_e164, k.phone_e164, r.to_e164)"
        let rows = try await database.client.query(
            """
            SELECT r.id, a.call_sid, cp.name, coalesce(k.salesforce_id, r.salesforce_id),
                   coalesce(\(unescaped: revealPhones ? phone : "dialer.masked_phone(\(phone))"), ''),
                   coalesce(a.from_e164, r.from_e164, cp.from_number), coalesce(a.attempt_number, 0),
                   st.state, cl.status, cl.answered_by, cl.duration_seconds,
                   CASE st.state WHEN 'skipped' THEN 'Skipped' WHEN 'cancelled' THEN 'Canceled' WHEN 'failed' THEN 'Failed'
                        ELSE dialer.call_disposition(cl.status, cl.answered_by, cl.answered_at IS NOT NULL) END,
                   coalesce(r.error, k.skip_detail, a.error_message, j.errors -> -1 ->> 'message'),
                   r.created_at, cl.answered_at, coalesce(cl.ended_at, a.ended_at),
                   s.state, s.salesforce_task_id, s.last_error,
                   CASE WHEN st.state = 'scheduled' THEN j.run_at END, k.skip_reason, r.message
            FROM dialer.call_requests AS r
            JOIN dialer.campaigns AS cp ON cp.id = r.campaign_id
            LEFT JOIN dialer.contacts AS k ON k.request_id = r.id
            LEFT JOIN LATERAL (
                SELECT * FROM dialer.call_attempts AS x WHERE x.contact_id = k.id ORDER BY x.attempt_number DESC LIMIT 1
            ) AS a ON true
            LEFT JOIN dialer.calls AS cl ON cl.attempt_id = a.id
            LEFT JOIN dialer.task_syncs AS s ON s.call_sid = a.call_sid
            LEFT JOIN LATERAL (
                -- The request's open job: its prepare_call, or its contact's next place_call
                -- (the first call's key, or a retry's, numbered from 2).
                SELECT jb.state, jb.run_at, jb.errors FROM dialer.jobs AS jb
                WHERE jb.unique_key = ANY(
                          CASE WHEN k.id IS NULL THEN ARRAY['prepare_call:' || r.id::text]
                               ELSE ARRAY[dialer.place_call_key(k.id)]
                                    || ARRAY(SELECT dialer.place_call_key(k.id, n) FROM generate_series(2, k.attempts + 1) AS n) END)
                  AND dialer.job_is_open(jb.state)
                ORDER BY jb.id DESC LIMIT 1
            ) AS j ON true
            CROSS JOIN LATERAL (
                SELECT CASE
                    WHEN r.state = 'failed' THEN 'failed'
                    WHEN k.id IS NULL THEN CASE WHEN j.state IS NULL THEN 'cancelled' ELSE 'queued' END
                    WHEN k.skip_reason IS NOT NULL THEN 'skipped'
                    WHEN a.state IN ('dialing', 'unknown') OR (a.state = 'placed' AND a.ended_at IS NULL) THEN coalesce(cl.status, a.state)
                    WHEN j.state IS NOT NULL THEN CASE WHEN j.run_at > now() THEN 'scheduled' ELSE 'queued' END
                    WHEN a.id IS NOT NULL THEN coalesce(cl.status, a.state)
                    ELSE 'cancelled'
                END AS state
            ) AS st
            WHERE r.id = \(id)
            """,
            logger: database.logger
        )
        for try await row in rows {
            let columns = row.makeRandomAccess()
            var record = try Self.record(columns)
            record.scheduledFor = try columns[19].decode(Date?.self)
            record.skipReason = try columns[20].decode(String?.self)
            record.message = try columns[21].decode(String?.self)
            if let sid = record.callSID { record.transcript = try await transcript(callSID: sid) }
            return record
        }
        return nil
    }
}
