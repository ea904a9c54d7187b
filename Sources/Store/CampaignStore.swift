import Foundation
import Logging
import PostgresNIO
import Queue

/// Campaign rows and their contacts.
public struct CampaignStore: Sendable {

    public let database: Database

    public init(database: Database) {
        self.database = database
    }

    var logger: Logger { database.logger }

    /// Inserts the campaign and enqueues its import in one transaction: a campaign never exists
    /// without its import, nor an import without its campaign.
    public func create(_ campaign: NewCampaign) async throws -> Int64 {
        do {
            return try await database.client.withTransaction(logger: logger) { connection in
                try await create(campaign, on: connection)
            }
        } catch let error as PostgresTransactionError {
            throw error.closureError ?? error
        }
    }

    /// Creates the campaign and its import on `connection`, inside the caller's transaction (the
    /// API's idempotent create holds one).
    public func create(_ campaign: NewCampaign, on connection: PostgresConnection) async throws -> Int64 {
        let rows = try await connection.query(
            """
            INSERT INTO dialer.campaigns (name, soql, from_number, rate_per_second, max_concurrent_calls, max_attempts,
                                          window_start, window_end, agent_script, disclosure, voicemail_policy,
                                          transfer_number, transfer_hours_start, transfer_hours_end, transfer_time_zone,
                                          retention_days)
            VALUES (\(campaign.name), \(campaign.soql), \(campaign.fromNumber), \(campaign.ratePerSecond),
                    \(campaign.maxConcurrentCalls), \(campaign.maxAttempts), \(campaign.windowStart)::time,
                    \(campaign.windowEnd)::time, \(campaign.agentScript), \(campaign.disclosure), \(campaign.voicemailPolicy),
                    \(campaign.transferNumber), \(campaign.transferHoursStart)::time, \(campaign.transferHoursEnd)::time,
                    \(campaign.transferTimeZone), \(campaign.retentionDays))
            ON CONFLICT (name) DO NOTHING
            RETURNING id
            """,
            logger: logger
        )
        var id: Int64?
        for try await value in rows.decode(Int64.self) { id = value }
        guard let id else { throw CampaignError.nameTaken(campaign.name) }
        if let delays = campaign.retryDelays {
            let json = String(decoding: try JSONEncoder().encode(delays), as: UTF8.self)
            try await connection.query(
                "UPDATE dialer.campaigns SET retry_delays = retry_delays || \(json)::jsonb WHERE id = \(id)",
                logger: logger
            )
        }
        try await connection.query(
            """
            SELECT dialer.enqueue_job(\(ImportCampaignArgs.kind), jsonb_build_object('campaignID', \(id)::bigint),
                                      dialer.import_key(\(id)), \(id), \(ImportCampaignArgs.options.priority)::int)
            """,
            logger: logger
        )
        return id
    }

    /// The campaign's name, status and query, by id.
    /// `imported`: the import read every page (a paused campaign may still be importing);
    /// `pauseReason`: why the dialer paused it, when it did.
    public func campaign(id: Int64) async throws -> (name: String, status: CampaignStatus, soql: String, imported: Bool, pauseReason: String?)? {
        let rows = try await database.client.query(
            "SELECT name, status, soql, imported_at IS NOT NULL, pause_reason FROM dialer.campaigns WHERE id = \(id)",
            logger: logger
        )
        for try await (name, status, soql, imported, reason) in rows.decode((String, String, String, Bool, String?).self) {
            return (name, CampaignStatus(rawValue: status) ?? .failed, soql, imported, reason)
        }
        return nil
    }

    /// Every campaign's progress, newest first; or one campaign's, by name.
    public func progress(name: String? = nil) async throws -> [CampaignProgress] {
        let rows = try await database.client.query(
            """
            SELECT p.id, p.name, p.status, p.salesforce_total, p.records_seen, contacts::int, callable::int,
                   skipped_do_not_call::int, skipped_internal_dnc::int, skipped_invalid_phone::int,
                   skipped_duplicate_phone::int, skipped_no_time_zone::int, p.import_error,
                   ARRAY[pending, in_progress, done, done_answered, done_voicemail_left, done_machine, done_busy,
                         done_no_answer, done_failed, done_other, calls_placed, calls_answered,
                         tasks_synced, tasks_failed, tasks_pending]::int[],
                   avg_duration_seconds::float8,
                   (SELECT count(*)::int FROM dialer.contacts AS k
                    WHERE k.campaign_id = p.id AND k.skip_reason IS NULL AND cardinality(k.time_zones) > 1),
                   c.soql, c.pause_reason, p.created_at, p.imported_at
            FROM dialer.campaign_progress AS p JOIN dialer.campaigns AS c USING (id)
            WHERE \(name)::text IS NULL OR p.name = \(name)::text
            ORDER BY p.id DESC
            """,
            logger: logger
        )
        var result: [CampaignProgress] = []
        for try await row in rows.decode(
            (Int64, String, String, Int?, Int, Int, Int, Int, Int, Int, Int, Int, String?, [Int], Double?, Int, String, String?, Date, Date?).self
        ) {
            let n = row.13
            var progress =
                CampaignProgress(
                    id: row.0,
                    name: row.1,
                    status: CampaignStatus(rawValue: row.2) ?? .failed,
                    salesforceTotal: row.3,
                    recordsSeen: row.4,
                    contacts: row.5,
                    callable: row.6,
                    skipped: [
                        "do_not_call": row.7, "internal_dnc": row.8, "invalid_phone": row.9, "duplicate_phone": row.10, "no_time_zone": row.11,
                    ],
                    importError: row.12,
                    pending: n[0],
                    inProgress: n[1],
                    done: n[2],
                    outcomes: [
                        "answered": n[3], "voicemail_left": n[4], "machine": n[5], "busy": n[6], "no_answer": n[7], "failed": n[8], "other": n[9],
                    ],
                    callsPlaced: n[10],
                    callsAnswered: n[11],
                    averageDurationSeconds: row.14,
                    tasksSynced: n[12],
                    tasksFailed: n[13],
                    tasksPending: n[14],
                    multiZoneContacts: row.15
                )
            progress.soql = row.16
            progress.pauseReason = row.17
            progress.createdAt = row.18
            progress.importedAt = row.19
            result.append(progress)
        }
        return result
    }

    /// Pauses, resumes or cancels a campaign by name; returns the status it is in now.
    @discardableResult
    public func apply(_ move: CampaignMove, name: String) async throws -> CampaignStatus {
        try await transition(name: name, from: move.from, to: move.to)
    }

    /// Moves a campaign by name from one of `from` to `to`; cancelling also cancels its queued jobs.
    ///
    /// Pausing stops dialing, never importing: a campaign paused while importing goes on
    /// importing, and resuming it while its import job is still open takes it back to `importing`
    /// (the import makes it `active` when it ends), not to an `active` with half its contacts.
    /// Returns the status the campaign is in now.
    @discardableResult
    public func transition(name: String, from: Set<CampaignStatus>, to: CampaignStatus) async throws -> CampaignStatus {
        do {
            return try await move(name: name, from: from, to: to)
        } catch let error as PostgresTransactionError {
            throw error.closureError ?? error
        }
    }

    private func move(name: String, from: Set<CampaignStatus>, to: CampaignStatus) async throws -> CampaignStatus {
        let fromStates = from.map(\.rawValue)
        return try await database.client.withTransaction(logger: logger) { connection in
            let rows = try await connection.query(
                "SELECT id, status FROM dialer.campaigns WHERE name = \(name) FOR UPDATE",
                logger: logger
            )
            var found: (Int64, String)?
            for try await row in rows.decode((Int64, String).self) { found = row }
            guard let (id, status) = found else { throw CampaignError.notFound(name) }
            guard fromStates.contains(status) else {
                throw CampaignError.invalidTransition(name: name, from: CampaignStatus(rawValue: status) ?? .failed, to: to)
            }
            let updated = try await connection.query(
                """
                UPDATE dialer.campaigns
                SET status = CASE WHEN \(to.rawValue) = 'active' AND imported_at IS NULL AND EXISTS (
                                      SELECT 1 FROM dialer.jobs AS j WHERE j.campaign_id = \(id) AND j.kind = \(ImportCampaignArgs.kind)
                                        AND dialer.job_is_open(j.state))
                                  THEN 'importing' ELSE \(to.rawValue) END,
                    completed_at = CASE WHEN \(to.rawValue) = 'completed' THEN coalesce(completed_at, now()) END,
                    pause_reason = CASE WHEN \(to.rawValue) = 'paused' THEN pause_reason END,
                    updated_at = now()
                WHERE id = \(id)
                RETURNING status
                """,
                logger: logger
            )
            var now = to
            for try await status in updated.decode(String.self) { now = CampaignStatus(rawValue: status) ?? to }
            if to == .cancelled {
                try await connection.query(
                    """
                    UPDATE dialer.jobs SET state = 'cancelled', finalized_at = now()
                    WHERE campaign_id = \(id) AND state IN ('available', 'retryable')
                    """,
                    logger: logger
                )
            }
            return now
        }
    }
}

extension CampaignStore {
    /// The agent script stored with a campaign (`campaign create --agent-script`), as JSON text;
    /// nil when it has none.
    public func agentScript(campaignID: Int64) async throws -> String? {
        let rows = try await database.client.query("SELECT agent_script FROM dialer.campaigns WHERE id = \(campaignID)", logger: logger)
        for try await text in rows.decode(String?.self) { return text }
        return nil
    }
}
