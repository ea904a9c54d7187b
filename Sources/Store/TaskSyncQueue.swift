import Foundation
import Logging
import PostgresNIO
import Redaction

/// The finalizer's side of `dialer.task_syncs`: each ended call's sync (made with the end of
/// the call), ready syncs leased in batches, and every later write fenced by the lease, so a finalizer
/// presumed dead cannot overwrite what another one recorded.
public struct TaskSyncQueue: Sendable {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// Where one call's sync stands, as its finalize job sees it.
    public enum Standing: Sendable, Equatable {
        /// Written (or failed, for `dialer tasks retry`): nothing left for this job.
        case settled(state: String)
        /// Still to write: under another run's lease, or due in `dueIn`.
        case pending(leasedElsewhere: Bool, dueIn: Duration)
        /// No call with this CallSid.
        case unknownCall
    }

    /// The call's sync, made now if the end of the call did not make it (a job enqueued by
    /// hand, a call ended before this schema): every ended call has one to look at.
    public func standing(callSID: String, owner: String? = nil) async throws -> Standing {
        let rows = try await database.client.query(
            """
            WITH made AS (
                INSERT INTO dialer.task_syncs (call_sid, attempt_id, campaign_id)
                SELECT c.call_sid, c.attempt_id, a.campaign_id
                FROM dialer.calls AS c JOIN dialer.call_attempts AS a ON a.id = c.attempt_id
                WHERE c.call_sid = \(callSID) AND c.ended_at IS NOT NULL
                ON CONFLICT (call_sid) DO NOTHING
                RETURNING state, false, 0::float8
            ), found AS (
                SELECT state, lease_expires_at > now() AND lease_owner IS DISTINCT FROM \(owner),
                       greatest(extract(epoch FROM ready_at - now()), 0)::float8
                FROM dialer.task_syncs WHERE call_sid = \(callSID)
            )
            SELECT * FROM made UNION ALL SELECT * FROM found
            """,
            logger: database.logger
        )
        for try await (state, leased, due) in rows.decode((String, Bool?, Double).self) {
            guard state == "pending" else { return .settled(state: state) }
            return .pending(leasedElsewhere: leased ?? false, dueIn: .milliseconds(Int64(due * 1000)))
        }
        return .unknownCall
    }

    /// Leases up to `limit` ready syncs to `owner`: pending, due, not leased by a live run,
    /// and with the call's media stream closed (its last transcript rows have landed), or
    /// open for longer than `streamWait` past the sync's due time (its server died with it).
    ///
    /// Runs lease one at a time (`dialer.lease_task_syncs`, sql/0017, takes a transaction-level
    /// advisory lock): runs that leased at once would each skip the rows the others are locking
    /// and write half batches, so more requests to Salesforce for the same Tasks.
    public func lease(limit: Int, owner: String, for lease: Duration, streamWait: Duration) async throws -> [TaskSyncRecord] {
        let rows = try await database.client.query(
            """
            SELECT call_sid, sent_before, attempts, contact_salesforce_id, account_id, disposition, duration_seconds,
                   answered, local_date, opt_out_to_sync
            FROM dialer.lease_task_syncs(\(limit)::int, \(owner), \(lease.seconds), \(streamWait.seconds))
            """,
            logger: database.logger
        )
        var records: [TaskSyncRecord] = []
        for try await (sid, sentBefore, attempts, contact, account, disposition, duration, answered, date, optOut)
            in rows.decode((String, Bool, Int, String?, String?, String, Int?, Bool, String, Bool).self)
        {
            records.append(
                TaskSyncRecord(
                    callSID: sid,
                    sentBefore: sentBefore,
                    attempts: attempts,
                    contactSalesforceID: contact,
                    accountID: account,
                    disposition: disposition,
                    durationSeconds: duration,
                    answered: answered,
                    localDate: date,
                    optOutToSync: optOut
                )
            )
        }
        return try await withTranscripts(records)
    }

    private func withTranscripts(_ records: [TaskSyncRecord]) async throws -> [TaskSyncRecord] {
        guard !records.isEmpty else { return [] }
        var byCall = Dictionary(uniqueKeysWithValues: records.map { ($0.callSID, $0) })
        let rows = try await database.client.query(
            """
            SELECT call_sid, speaker, text, start_ms, interrupted, intent FROM dialer.transcript_entries
            WHERE call_sid = ANY(\(records.map(\.callSID))) ORDER BY call_sid, seq
            """,
            logger: database.logger
        )
        for try await (sid, speaker, text, startMs, interrupted, intent) in rows.decode((String, String, String, Int, Bool, String?).self) {
            byCall[sid]?.transcript.append(.init(speaker: speaker, text: text, startMs: startMs, interrupted: interrupted, intent: intent))
        }
        // What the call led to: a person it was handed to, a callback the callee asked for.
        let outcomes = try await database.client.query(
            """
            SELECT s.call_sid, c.transferred_to, a.callback_from, a.callback_until, a.callback_time_zone
            FROM dialer.task_syncs AS s
            JOIN dialer.call_attempts AS a ON a.id = s.attempt_id
            LEFT JOIN dialer.calls AS c ON c.call_sid = s.call_sid
            WHERE s.call_sid = ANY(\(records.map(\.callSID))) AND (c.transferred_to IS NOT NULL OR a.callback_from IS NOT NULL)
            """,
            logger: database.logger
        )
        for try await (sid, number, from, until, zone) in outcomes.decode((String, String?, Date?, Date?, String?).self) {
            byCall[sid]?.transferredTo = number
            if let from, let until, let zone { byCall[sid]?.callback = ScheduledCallback(from: from, until: until, timeZone: zone) }
        }
        return records.map { byCall[$0.callSID] ?? $0 }
    }

    /// Commits, before the write to Salesforce, that these syncs are being sent: from now on
    /// a retry looks their Tasks up before creating any. Returns the syncs still leased by
    /// `owner`, the only ones it may write, and holds their lease for at least `inFlight`,
    /// the longest the write may take: a look-up cannot see a create still in flight, so no
    /// other run may take them before this write has been saved or never will be.
    public func markSent(_ callSIDs: [String], owner: String, inFlight: Duration) async throws -> Set<String> {
        let rows = try await database.client.query(
            """
            UPDATE dialer.task_syncs
            SET sent_at = now(), attempts = attempts + 1, updated_at = now(),
                lease_expires_at = greatest(lease_expires_at, now() + make_interval(secs => \(inFlight.seconds)))
            WHERE call_sid = ANY(\(callSIDs)) AND lease_owner = \(owner) AND state = 'pending'
            RETURNING call_sid
            """,
            logger: database.logger
        )
        var marked: Set<String> = []
        for try await sid in rows.decode(String.self) { marked.insert(sid) }
        return marked
    }

    /// Records the Tasks written (or found) for leased syncs.
    public func recordSynced(_ taskIDs: [String: String], owner: String) async throws {
        guard !taskIDs.isEmpty else { return }
        let sids = Array(taskIDs.keys)
        try await database.client.query(
            """
            UPDATE dialer.task_syncs AS s
            SET state = 'synced', salesforce_task_id = t.task_id, synced_at = now(), lease_owner = NULL, lease_expires_at = NULL,
                last_error = NULL, last_error_code = NULL, updated_at = now()
            FROM unnest(\(sids)::text[], \(sids.map { taskIDs[$0]! })::text[]) AS t(call_sid, task_id)
            WHERE s.call_sid = t.call_sid AND s.lease_owner = \(owner) AND s.state = 'pending'
            """,
            logger: database.logger
        )
    }

    /// The attempt ids of ended calls, by CallSid: what names each call's trace.
    public func attemptIDs(callSIDs: [String]) async throws -> [String: UUID] {
        guard !callSIDs.isEmpty else { return [:] }
        var ids: [String: UUID] = [:]
        let rows = try await database.client.query(
            "SELECT call_sid, attempt_id FROM dialer.calls WHERE call_sid = ANY(\(callSIDs)::text[]) AND attempt_id IS NOT NULL",
            logger: database.logger
        )
        for try await (sid, attempt) in rows.decode((String, UUID).self) { ids[sid] = attempt }
        return ids
    }

    /// Why Salesforce refused one sync's write, in its own words.
    public struct Refusal: Sendable, Equatable {
        public let callSID: String
        public let code: String
        public let message: String

        public init(callSID: String, code: String, message: String) {
            self.callSID = callSID
            self.code = code
            self.message = message
        }
    }

    /// Marks leased syncs failed with Salesforce's words, in one statement;
    /// `dialer tasks retry` re-queues them.
    public func recordFailed(_ refusals: [Refusal], owner: String) async throws {
        guard !refusals.isEmpty else { return }
        try await database.client.query(
            """
            UPDATE dialer.task_syncs AS s SET state = 'failed', last_error_code = r.code, last_error = r.message,
                lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
            FROM unnest(\(refusals.map(\.callSID))::text[], \(refusals.map(\.code))::text[], \(refusals.map { PhoneNumberRedaction.redacting($0.message) })::text[])
                AS r(call_sid, code, message)
            WHERE s.call_sid = r.call_sid AND s.lease_owner = \(owner) AND s.state = 'pending'
            """,
            logger: database.logger
        )
    }

    /// Gives leased syncs back, ready again `after` from now, with the error that held them.
    public func release(_ callSIDs: [String], after delay: Duration, code: String?, message: String?, owner: String) async throws {
        try await database.client.query(
            """
            UPDATE dialer.task_syncs SET ready_at = now() + make_interval(secs => \(delay.seconds)),
                last_error_code = coalesce(\(code), last_error_code), last_error = coalesce(\(message.map(PhoneNumberRedaction.redacting)), last_error),
                lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
            WHERE call_sid = ANY(\(callSIDs)) AND lease_owner = \(owner) AND state = 'pending'
            """,
            logger: database.logger
        )
    }

    /// The Contacts' DoNotCall is set in Salesforce for these calls' opt-outs.
    public func recordDoNotCallSynced(_ callSIDs: [String]) async throws {
        guard !callSIDs.isEmpty else { return }
        try await database.client.query(
            "UPDATE dialer.task_syncs SET do_not_call_synced_at = now(), updated_at = now() WHERE call_sid = ANY(\(callSIDs))",
            logger: database.logger
        )
    }
}

/// One leased sync, with what its Task is made of.
public struct TaskSyncRecord: Sendable, Equatable {
    public init(
        callSID: String,
        sentBefore: Bool = false,
        attempts: Int = 0,
        contactSalesforceID: String?,
        accountID: String?,
        disposition: String,
        durationSeconds: Int?,
        answered: Bool,
        localDate: String,
        optOutToSync: Bool = false,
        transcript: [Line] = []
    ) {
        self.callSID = callSID
        self.sentBefore = sentBefore
        self.attempts = attempts
        self.contactSalesforceID = contactSalesforceID
        self.accountID = accountID
        self.disposition = disposition
        self.durationSeconds = durationSeconds
        self.answered = answered
        self.localDate = localDate
        self.optOutToSync = optOutToSync
        self.transcript = transcript
    }

    /// One transcript entry, for the Task's conversation log.
    public struct Line: Sendable, Equatable {
        public var speaker: String
        public var text: String
        public var startMs: Int
        public var interrupted: Bool
        /// The agent's `voicemail` message, a callee's answer's intent.
        public var intent: String?

        public init(speaker: String, text: String, startMs: Int, interrupted: Bool = false, intent: String? = nil) {
            self.speaker = speaker
            self.text = text
            self.startMs = startMs
            self.interrupted = interrupted
            self.intent = intent
        }
    }

    public var callSID: String
    /// A write was sent before: its Task may exist already.
    public var sentBefore: Bool
    public var attempts: Int
    /// The Contact the Task is about (its WhoId); nil for an API call to a number alone.
    public var contactSalesforceID: String?
    public var accountID: String?
    /// How the call ended in a Salesforce user's words (`dialer.call_disposition`): Answered,
    /// Voicemail, Busy, No Answer, Failed, Canceled.
    public var disposition: String
    public var durationSeconds: Int?
    public var answered: Bool
    /// The callee's local date of the call, `YYYY-MM-DD`.
    public var localDate: String
    /// The callee opted out and the Contact's DoNotCall is not set yet.
    public var optOutToSync: Bool
    public var transcript: [Line] = []
    /// The number the agent handed the call to, if it did.
    public var transferredTo: String?
    /// The callback the callee asked for on the call, if they did.
    public var callback: ScheduledCallback?
}

extension TaskSyncQueue {
    /// For an opt-out recorded after its call's Task was already synced: the Contact's
    /// Salesforce id, when its DoNotCall is still to be set. nil when the finalizer will do it
    /// (the sync is pending), has done it, or the call has no sync.
    public func doNotCallStillToSync(callSID: String) async throws -> String? {
        let rows = try await database.client.query(
            """
            SELECT k.salesforce_id
            FROM dialer.task_syncs AS s
            JOIN dialer.call_attempts AS a ON a.id = s.attempt_id
            JOIN dialer.contacts AS k ON k.id = a.contact_id
            WHERE s.call_sid = \(callSID) AND s.state <> 'pending' AND s.do_not_call_synced_at IS NULL
              AND k.opted_out_at IS NOT NULL AND k.salesforce_id IS NOT NULL
            """,
            logger: database.logger
        )
        for try await id in rows.decode(String.self) { return id }
        return nil
    }
}
