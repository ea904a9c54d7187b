import Foundation
import Sandbox
import Store

/// Calls that ended, as `dialer.end_calls` leaves them for the finalizer: for the finalizer's
/// suites and the process tests that run it in a real worker.
public enum EndedCalls {
    public static func callSID(_ n: Int) -> String { "CAfin" + String(format: "%08d", n) }

    /// An active campaign named `finalize test`; returns its id.
    public static func campaign(_ db: Database) async throws -> Int64 {
        try await db.scalar(
            """
            INSERT INTO dialer.campaigns (name, soql, status, from_number, rate_per_second, max_concurrent_calls)
            VALUES ('finalize test', 'SELECT Id FROM Contact', 'active', '+14155550100', 1, 10) RETURNING id
            """,
            as: Int64.self
        )
    }

    /// `count` calls that ended (`status`, answered or not), numbered from `first`, each with
    /// its contact's outcome, its sync and its finalize job due now; `transcriptLines` entries
    /// alternate agent and callee. Returns their CallSids.
    @discardableResult
    public static func seed(
        _ db: Database,
        campaignID: Int64,
        _ count: Int,
        from first: Int = 0,
        status: String = "completed",
        answered: Bool = true,
        transcriptLines: Int = 2
    ) async throws -> [String] {
        try await db.execute(
            """
            WITH contact AS (
                INSERT INTO dialer.contacts (campaign_id, salesforce_id, account_id, phone_e164, time_zone, time_zone_source, outcome)
                SELECT \(campaignID), '003SB' || lpad(g::text, 13, '0'), '001SB' || lpad(g::text, 13, '0'), '+1212' || lpad(g::text, 7, '0'),
                       'America/New_York', 'area_code',
                       CASE \(status) WHEN 'completed' THEN CASE WHEN \(answered) THEN 'answered' ELSE 'no_answer' END
                                       WHEN 'no-answer' THEN 'no_answer' ELSE \(status) END
                FROM generate_series(\(first), \(first + count - 1)) AS g
                RETURNING id, salesforce_id
            ), attempt AS (
                INSERT INTO dialer.call_attempts (contact_id, campaign_id, attempt_number, state, to_e164, from_e164, call_sid, ended_at)
                SELECT c.id, \(campaignID), 1, 'placed', '+12125550000', '+14155550100',
                       'CAfin' || lpad(((substring(c.salesforce_id FROM 6))::int)::text, 8, '0'), now()
                FROM contact AS c
                RETURNING id, call_sid
            ), call AS (
                INSERT INTO dialer.calls (call_sid, attempt_id, status, answered_by, duration_seconds, answered_at, ended_at)
                SELECT call_sid, id, \(status), CASE WHEN \(answered) THEN 'human' END, CASE WHEN \(answered) THEN 42 ELSE 0 END,
                       CASE WHEN \(answered) THEN now() - interval '42 seconds' END, now()
                FROM attempt
                RETURNING call_sid, attempt_id
            ), entries AS (
                INSERT INTO dialer.transcript_entries (call_sid, seq, attempt_id, speaker, text, start_ms, end_ms)
                SELECT c.call_sid, s, c.attempt_id, CASE WHEN s % 2 = 0 THEN 'agent' ELSE 'callee' END,
                       CASE WHEN s % 2 = 0 THEN 'Would you like a call back?' ELSE 'yes' END, s * 3000, s * 3000 + 1000
                FROM call AS c, generate_series(0, \(transcriptLines - 1)) AS s
            ), sync AS (
                INSERT INTO dialer.task_syncs (call_sid, attempt_id, campaign_id)
                SELECT call_sid, attempt_id, \(campaignID) FROM call
            )
            INSERT INTO dialer.jobs (kind, args, campaign_id, unique_key)
            SELECT \(FinalizeCallArgs.kind), jsonb_build_object('callSID', call_sid), \(campaignID), dialer.finalize_key(call_sid) FROM call
            """
        )
        return (first..<(first + count)).map(callSID)
    }

    /// Tasks in the Sandbox per CallObject.
    public static func tasksByCall(_ sandbox: SandboxSalesforce) -> [String: Int] { sandbox.taskCountsByCallObject() }
}
