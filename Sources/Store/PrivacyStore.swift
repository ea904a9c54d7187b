import Foundation
import PostgresNIO

/// Personal data kept only as long as needed (sql/0025): conversations purged past their age,
/// a person's number erased, one batch per transaction so that dialing goes on around them,
/// and what each did in `dialer.privacy_actions`.
public struct PrivacyStore: Sendable {
    public let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// What one batch (or a whole action) removed or masked.
    public struct Counts: Sendable, Equatable, Codable {
        /// Calls whose words went (or, for a purge, unbound streams and orphan callbacks).
        public var calls = 0
        /// Contacts and API calls that lost the number (an erasure).
        public var contacts = 0
        public var transcriptEntries = 0
        public var callEvents = 0
        public var mediaStreams = 0
        public var webhookEvents = 0

        public init() {}

        /// Rows changed in all.
        public var rows: Int { calls + contacts + transcriptEntries + callEvents + mediaStreams + webhookEvents }

        public static func + (a: Counts, b: Counts) -> Counts {
            var sum = a
            sum.calls += b.calls
            sum.contacts += b.contacts
            sum.transcriptEntries += b.transcriptEntries
            sum.callEvents += b.callEvents
            sum.mediaStreams += b.mediaStreams
            sum.webhookEvents += b.webhookEvents
            return sum
        }
    }

    /// One batch of a purge: the words of up to `limit` calls that ended before `before`, of
    /// one campaign or of all (`dialer.purge_conversations`). `calls` 0: nothing is left.
    public func purgeBatch(before: Date, campaignID: Int64?, limit: Int) async throws -> Counts {
        let rows = try await database.client.query(
            """
            SELECT calls, 0, transcript_entries, call_events, media_streams, webhook_events
            FROM dialer.purge_conversations(\(before), \(campaignID), \(limit)::int)
            """,
            logger: database.logger
        )
        return try await Self.counts(rows)
    }

    /// One batch of an erasure of `phone` (`dialer.erase_phone`): on the DNC list, then up to
    /// `limit` attempts and contacts without it. `calls` and `contacts` 0: nothing is left.
    public func eraseBatch(phone: String, limit: Int) async throws -> Counts {
        let rows = try await database.client.query(
            """
            SELECT calls, contacts + requests, transcript_entries, call_events, media_streams, webhook_events
            FROM dialer.erase_phone(\(phone), \(limit)::int)
            """,
            logger: database.logger
        )
        return try await Self.counts(rows)
    }

    private static func counts(_ rows: PostgresRowSequence) async throws -> Counts {
        var counts = Counts()
        for try await row in rows.decode((Int, Int, Int, Int, Int, Int).self) {
            counts.calls = row.0
            counts.contacts = row.1
            counts.transcriptEntries = row.2
            counts.callEvents = row.3
            counts.mediaStreams = row.4
            counts.webhookEvents = row.5
        }
        return counts
    }

    /// The action's row: for a job, the one its first run made (a rescued or continued job
    /// goes on counting in it); without one (a retention run), a new row. Returns its id.
    public func begin(
        _ action: String,
        jobID: Int64?,
        campaignID: Int64? = nil,
        olderThan: Date? = nil,
        maskedPhone: String? = nil
    ) async throws -> Int64 {
        let rows = try await database.client.query(
            """
            INSERT INTO dialer.privacy_actions (action, job_id, campaign_id, older_than, phone)
            VALUES (\(action), \(jobID), \(campaignID), \(olderThan), \(maskedPhone))
            ON CONFLICT (job_id) DO UPDATE SET updated_at = now()
            RETURNING id
            """,
            logger: database.logger
        )
        var id: Int64 = 0
        for try await row in rows.decode(Int64.self) { id = row }
        return id
    }

    /// Adds a batch's counts to action `id`; `finished` marks it done.
    public func record(_ counts: Counts, action id: Int64, finished: Bool = false) async throws {
        try await database.client.query(
            """
            UPDATE dialer.privacy_actions
            SET calls = calls + \(counts.calls), contacts = contacts + \(counts.contacts),
                transcript_entries = transcript_entries + \(counts.transcriptEntries),
                call_events = call_events + \(counts.callEvents), media_streams = media_streams + \(counts.mediaStreams),
                webhook_events = webhook_events + \(counts.webhookEvents), updated_at = now(),
                finished_at = CASE WHEN \(finished) THEN now() END
            WHERE id = \(id)
            """,
            logger: database.logger
        )
    }

    /// Campaigns that keep conversations for a number of days: each one's id and cutoff now.
    public func retentionCutoffs() async throws -> [(campaignID: Int64, before: Date)] {
        let rows = try await database.client.query(
            """
            SELECT id, now() - make_interval(days => retention_days) FROM dialer.campaigns
            WHERE retention_days IS NOT NULL ORDER BY id
            """,
            logger: database.logger
        )
        var cutoffs: [(Int64, Date)] = []
        for try await (id, before) in rows.decode((Int64, Date).self) { cutoffs.append((id, before)) }
        return cutoffs
    }

    /// Removes the number from the arguments of the erasure's own job, once it is done: the
    /// DNC list is the one place the dialer keeps it.
    public func maskJobArguments(jobID: Int64, maskedPhone: String) async throws {
        try await database.client.query(
            "UPDATE dialer.jobs SET args = jsonb_build_object('phone', \(maskedPhone)::text) WHERE id = \(jobID)",
            logger: database.logger
        )
    }

    /// Lists `phone` as not to be called at once, before its erasure job has run.
    public func listNotToCall(phone: String) async throws {
        try await database.client.query(
            "INSERT INTO dialer.dnc (phone_e164, reason, source) VALUES (\(phone), 'erased', 'privacy erase') ON CONFLICT (phone_e164) DO NOTHING",
            logger: database.logger
        )
    }

    /// A row of `dialer.privacy_actions`.
    public struct Action: Sendable, Equatable {
        public var id: Int64
        public var action: String
        public var jobID: Int64?
        public var campaign: String?
        public var olderThan: Date?
        /// Masked: its last four digits.
        public var phone: String?
        public var counts: Counts
        public var startedAt: Date
        public var finishedAt: Date?
    }

    /// The latest actions, newest first; or the one of `jobID`.
    public func actions(limit: Int = 20, jobID: Int64? = nil) async throws -> [Action] {
        let rows = try await database.client.query(
            """
            SELECT a.id, a.action, a.job_id, c.name, a.older_than, a.phone, a.calls, a.contacts, a.transcript_entries,
                   a.call_events, a.media_streams, a.webhook_events, a.started_at, a.finished_at
            FROM dialer.privacy_actions AS a LEFT JOIN dialer.campaigns AS c ON c.id = a.campaign_id
            WHERE \(jobID)::bigint IS NULL OR a.job_id = \(jobID)
            ORDER BY a.id DESC LIMIT \(limit)
            """,
            logger: database.logger
        )
        var actions: [Action] = []
        for try await row in rows.decode(
            (Int64, String, Int64?, String?, Date?, String?, Int, Int, Int, Int, Int, Int, Date, Date?).self
        ) {
            var counts = Counts()
            (counts.calls, counts.contacts, counts.transcriptEntries) = (row.6, row.7, row.8)
            (counts.callEvents, counts.mediaStreams, counts.webhookEvents) = (row.9, row.10, row.11)
            actions.append(
                Action(
                    id: row.0,
                    action: row.1,
                    jobID: row.2,
                    campaign: row.3,
                    olderThan: row.4,
                    phone: row.5,
                    counts: counts,
                    startedAt: row.12,
                    finishedAt: row.13
                )
            )
        }
        return actions
    }
}
