import Foundation
import Logging
import PostgresNIO

/// An answered call's media stream in the database (sql/0011): the stream's life, the
/// transcript entries written as the call runs, and opt-outs heard on it.
public struct MediaStreamStore: Sendable {
    public let database: Database

    public init(database: Database) {
        self.database = database
    }

    var logger: Logger { database.logger }

    /// The attempt a stream belongs to, as its `start` message's custom parameters name it.
    public struct Binding: Sendable, Equatable {
        public let attemptID: UUID
        public let contactID: Int64
        public let campaignID: Int64
        public let firstName: String?
        public var lastName: String?
        /// The contact's other fields, by API name (`Description`, `Account.Name`).
        public var context: [String: String] = [:]
        /// The message an API call carried (the client's, or the Contact's Description).
        public var message: String?
        /// The campaign's transfer number when its people are there now; "" when they are
        /// not; nil when it names none (`dialer.transfer_target`).
        public var transferTarget: String?
        /// A machine's greeting had already ended when the stream started (the AMD result
        /// came first) and the campaign leaves messages: the message is due at once.
        public var leavesVoicemail = false
        /// When the contact may be called (the zones it may be in, its campaign's hours and
        /// the calling rules that bind it), for a callback it asks for.
        public var callingSchedule: CallingSchedule?
    }

    /// Records that a stream started. The custom parameters are only trusted when they agree
    /// with the database: the attempt exists, belongs to that contact and campaign, and holds
    /// this CallSid (or none yet, when the worker has not saved it). A call is bound once,
    /// while it lasts: a start replayed on another connection, for a call already streamed or
    /// already ended, is refused like a forged one (sql/0013). A refused stream is recorded
    /// unbound and closed, and `nil` returned.
    public func streamStarted(
        streamSID: String,
        callSID: String,
        attemptID: UUID?,
        contactID: Int64?,
        campaignID: Int64?
    ) async throws -> Binding? {
        let rows = try await database.client.query(
            """
            WITH bound AS (
                SELECT a.id, a.contact_id, a.campaign_id, k.first_name, k.last_name, k.context::text AS context,
                       cp.window_start::text AS window_start, cp.window_end::text AS window_end,
                       \(unescaped: CallingRuleStore.contactSchedule),
                       (SELECT r.message FROM dialer.call_requests AS r WHERE r.id = k.request_id) AS message,
                       dialer.transfer_target(a.campaign_id) AS transfer_target,
                       coalesce((SELECT dialer.leaves_voicemail(c.answered_by, p.voicemail_policy)
                                 FROM dialer.calls AS c JOIN dialer.campaigns AS p ON p.id = a.campaign_id
                                 WHERE c.call_sid = \(callSID)), false) AS leaves_voicemail
                FROM dialer.call_attempts AS a JOIN dialer.contacts AS k ON k.id = a.contact_id
                JOIN dialer.campaigns AS cp ON cp.id = a.campaign_id
                WHERE a.id = \(attemptID) AND a.contact_id = \(contactID) AND a.campaign_id = \(campaignID)
                  AND (a.call_sid = \(callSID) OR a.call_sid IS NULL)
                  AND NOT EXISTS (SELECT 1 FROM dialer.media_streams AS m
                                  WHERE m.attempt_id = a.id OR (m.call_sid = \(callSID) AND m.attempt_id IS NOT NULL))
                  AND NOT EXISTS (SELECT 1 FROM dialer.calls AS c
                                  WHERE c.attempt_id = a.id AND dialer.call_status_rank(c.status) = 4)
            ), stream AS (
                INSERT INTO dialer.media_streams (stream_sid, call_sid, attempt_id, ended_at)
                SELECT \(streamSID), \(callSID), b.id, CASE WHEN b.id IS NULL THEN now() END
                FROM (SELECT (SELECT id FROM bound) AS id) AS b
                ON CONFLICT DO NOTHING
                RETURNING attempt_id
            )
            SELECT * FROM bound
            WHERE EXISTS (SELECT 1 FROM stream WHERE attempt_id IS NOT NULL)
            """,
            logger: logger
        )
        // In the columns' order of `bound`.
        for try await (attempt, contact, campaign, firstName, lastName, context, start, end, zones, rules, message, transferTarget, leavesVoicemail)
            in rows.decode((UUID, Int64, Int64, String?, String?, String, String, String, [String], String, String?, String?, Bool).self)
        {
            var binding = Binding(
                attemptID: attempt,
                contactID: contact,
                campaignID: campaign,
                firstName: firstName,
                leavesVoicemail: leavesVoicemail
            )
            binding.lastName = lastName
            binding.context = (try? JSONDecoder().decode([String: String].self, from: Data(context.utf8))) ?? [:]
            binding.message = message
            binding.transferTarget = transferTarget
            binding.callingSchedule = Self.schedule(zones: zones, windowStart: start, windowEnd: end, rules: rules)
            return binding
        }
        return nil
    }

    /// The contact's calling schedule; nil when its zones or its campaign's hours are not
    /// ones a call could be placed in.
    static func schedule(zones names: [String], windowStart: String, windowEnd: String, rules: String) -> CallingSchedule? {
        let zones = names.compactMap(TimeZone.init(identifier:))
        guard !zones.isEmpty, zones.count == names.count,
            let window = CallingWindow.campaign(start: windowStart, end: windowEnd),
            let rules = try? CallingRule.decode(json: rules)
        else { return nil }
        return CallingSchedule(window: window, rules: rules, zones: zones)
    }

    /// Writes transcript entries; an entry already written (same CallSid and seq) is kept as
    /// it was, so a retried write never duplicates or rewrites one.
    public func append(_ entries: [TranscriptEntryRecord], callSID: String, attemptID: UUID?) async throws {
        guard !entries.isEmpty else { return }
        try await database.client.query(
            """
            INSERT INTO dialer.transcript_entries (call_sid, seq, attempt_id, speaker, text, start_ms, end_ms, interrupted, confidence, intent)
            SELECT \(callSID), e.seq, \(attemptID), e.speaker, e.text, e.start_ms, e.end_ms, e.interrupted, nullif(e.confidence, -1), nullif(e.intent, '')
            FROM unnest(\(entries.map(\.seq))::integer[], \(entries.map(\.speaker)), \(entries.map { Self.storable($0.text) }),
                        \(entries.map(\.startMs))::integer[], \(entries.map(\.endMs))::integer[], \(entries.map(\.interrupted)),
                        \(entries.map { $0.confidence.map(Float.init) ?? -1 })::real[], \(entries.map { Self.storable($0.intent ?? "") }))
                 AS e(seq, speaker, text, start_ms, end_ms, interrupted, confidence, intent)
            ON CONFLICT (call_sid, seq) DO NOTHING
            """,
            logger: logger
        )
    }

    /// Records that a stream ended (Twilio's stop, or the socket closed), with its counters.
    public func streamEnded(streamSID: String, framesReceived: Int, framesSent: Int, malformed: Int) async throws {
        try await database.client.query(
            """
            UPDATE dialer.media_streams
            SET ended_at = coalesce(ended_at, now()), frames_received = \(framesReceived), frames_sent = \(framesSent), malformed = \(malformed)
            WHERE stream_sid = \(streamSID)
            """,
            logger: logger
        )
    }

    /// The callee asked not to be called again: their number joins the DNC list and the
    /// contact is marked for Salesforce's DoNotCall. Returns whether a contact was marked.
    @discardableResult
    public func recordOptOut(callSID: String, attemptID: UUID) async throws -> Bool {
        let rows = try await database.client.query(
            "SELECT dialer.record_opt_out(\(callSID), \(attemptID))",
            logger: logger
        )
        for try await phone in rows.decode(String?.self) { return phone != nil }
        return false
    }
}

/// One transcript entry as stored: who spoke, what, and when in the stream.
public struct TranscriptEntryRecord: Sendable, Equatable, Codable {
    public var seq: Int
    /// `callee` or `agent`.
    public var speaker: String
    public var text: String
    public var startMs: Int
    public var endMs: Int
    public var interrupted: Bool
    public var confidence: Double?
    public var intent: String?

    public init(
        seq: Int,
        speaker: String,
        text: String,
        startMs: Int,
        endMs: Int,
        interrupted: Bool = false,
        confidence: Double? = nil,
        intent: String? = nil
    ) {
        self.seq = seq
        self.speaker = speaker
        self.text = text
        self.startMs = startMs
        self.endMs = endMs
        self.interrupted = interrupted
        self.confidence = confidence
        self.intent = intent
    }
}
