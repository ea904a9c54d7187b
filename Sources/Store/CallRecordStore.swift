import Foundation
import PostgresNIO

/// Reads calls for the API and the console: one with its transcript, or a page of a list.
/// Phone numbers come masked unless the reader may see personal data (`revealPhones`).
public struct CallRecordStore: Sendable {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// The most a page may hold.
    public static let maxPageSize = 200

    /// One call by the dialer's id, with its transcript so far: an API call's (its latest
    /// state, `requestedCall`), else an attempt's.
    public func call(id: UUID, revealPhones: Bool) async throws -> CallRecord? {
        if let requested = try await requestedCall(id: id, revealPhones: revealPhones) { return requested }
        return try await withTranscript(records("\(unescaped: Self.select(revealPhones: revealPhones)) WHERE a.id = \(id)").first?.record)
    }

    /// One call by Twilio's CallSid, with its transcript so far.
    public func call(callSID: String, revealPhones: Bool) async throws -> CallRecord? {
        try await withTranscript(records("\(unescaped: Self.select(revealPhones: revealPhones)) WHERE a.call_sid = \(callSID)").first?.record)
    }

    private func withTranscript(_ record: CallRecord?) async throws -> CallRecord? {
        guard var record else { return nil }
        if let sid = record.callSID { record.transcript = try await transcript(callSID: sid) }
        return record
    }

    /// A page of calls, newest first, and the cursor of the next page (nil on the last).
    ///
    /// Only the filters given become conditions, so each page is one index range scan
    /// (`call_attempts_campaign_newest`, or `call_attempts_newest`) from the cursor on.
    public func calls(_ filter: CallListFilter, revealPhones: Bool) async throws -> (calls: [CallRecord], next: CallListCursor?) {
        let limit = max(1, min(filter.limit, Self.maxPageSize))
        if filter.campaign != nil { return Self.page(try await campaignPage(filter, limit: limit, revealPhones: revealPhones), limit: limit) }
        var binds = PostgresBindings()
        var conditions: [String] = []
        func bind(_ value: some PostgresNonThrowingEncodable & Sendable) -> String {
            binds.append(value)
            return "$\(binds.count)"
        }
        if let state = filter.state { conditions.append("a.state = \(bind(state))") }
        if let since = filter.since { conditions.append("a.created_at >= \(bind(since))") }
        if let cursor = filter.cursor {
            conditions.append(
                "(a.created_at, a.id) < (timestamptz 'epoch' + \(bind(cursor.createdMicros)) * interval '1 microsecond', \(bind(cursor.id)))"
            )
        }
        let sql = """
            \(Self.select(revealPhones: revealPhones))
            \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "))
            ORDER BY a.created_at DESC, a.id DESC
            LIMIT \(limit + 1)
            """
        return Self.page(try await records(PostgresQuery(unsafeSQL: sql, binds: binds)), limit: limit)
    }

    /// Up to `limit + 1` rows read: the page, and the cursor of the next one when there was
    /// one more row.
    static func page(_ rows: [(record: CallRecord, createdMicros: Int64)], limit: Int) -> (calls: [CallRecord], next: CallListCursor?) {
        var page = rows
        var next: CallListCursor?
        if page.count > limit {
            page.removeLast()
            next = page.last.map { CallListCursor(createdMicros: $0.createdMicros, id: $0.record.id) }
        }
        return (page.map(\.record), next)
    }

    /// The transcript of one call, in order.
    public func transcript(callSID: String, after seq: Int = -1) async throws -> [CallRecord.TranscriptLine] {
        let rows = try await database.client.query(
            """
            SELECT seq, speaker, text, start_ms, end_ms, interrupted FROM dialer.transcript_entries
            WHERE call_sid = \(callSID) AND seq > \(seq) ORDER BY seq
            """,
            logger: database.logger
        )
        var lines: [CallRecord.TranscriptLine] = []
        for try await (seq, speaker, text, start, end, interrupted) in rows.decode((Int, String, String, Int, Int, Bool).self) {
            lines.append(.init(seq: seq, speaker: speaker, text: text, startMs: start, endMs: end, interrupted: interrupted))
        }
        return lines
    }

    static func select(revealPhones: Bool) -> String {
        select(reveal: revealPhones ? "true" : "false")
    }

    /// The reads' columns, from `source` (`dialer.call_records`, sql/0022, or a function that
    /// returns its rows) as `a`, the number masked unless `reveal` (SQL: a bool) holds.
    static func select(reveal: String, from source: String = "dialer.call_records") -> String {
        """
        SELECT a.id, a.call_sid, a.campaign, a.contact_id, CASE WHEN \(reveal) THEN a.to_e164 ELSE dialer.masked_phone(a.to_e164) END,
               a.from_e164, a.attempt_number, a.state, a.twilio_status, a.answered_by, a.duration_seconds, a.outcome, a.error_message,
               a.created_at, a.answered_at, a.ended_at, a.task_state, a.salesforce_task_id, a.task_error, a.created_micros
        FROM \(source) AS a
        """
    }

    private func records(_ query: PostgresQuery) async throws -> [(record: CallRecord, createdMicros: Int64)] {
        let rows = try await database.client.query(query, logger: database.logger)
        var result: [(CallRecord, Int64)] = []
        for try await row in rows { result.append(try Self.recordAndCursor(row)) }
        return result
    }

    /// A row of the reads: the call, and its creation in microseconds (what a cursor holds).
    static func recordAndCursor(_ row: PostgresRow) throws -> (record: CallRecord, createdMicros: Int64) {
        let columns = row.makeRandomAccess()
        return (try record(columns), try columns[19].decode(Int64.self))
    }

    /// A call from the first 19 columns both reads select in the same order: id, CallSid,
    /// campaign, contact, to, from, attempt, state, Twilio's status, answeredBy, duration,
    /// outcome, error, created, answered, ended, and the Task sync's state, Task id and error.
    static func record(_ c: PostgresRandomAccessRow) throws -> CallRecord {
        CallRecord(
            id: try c[0].decode(UUID.self),
            callSID: try c[1].decode(String?.self),
            campaign: try c[2].decode(String.self),
            contactID: try c[3].decode(String?.self),
            to: try c[4].decode(String.self),
            from: try c[5].decode(String.self),
            attempt: try c[6].decode(Int.self),
            state: try c[7].decode(String.self),
            twilioStatus: try c[8].decode(String?.self),
            answeredBy: try c[9].decode(String?.self),
            durationSeconds: try c[10].decode(Int?.self),
            outcome: try c[11].decode(String.self),
            errorMessage: try c[12].decode(String?.self),
            createdAt: try c[13].decode(Date.self),
            answeredAt: try c[14].decode(Date?.self),
            endedAt: try c[15].decode(Date?.self),
            taskSync: try c[16].decode(String?.self).map {
                CallRecord.TaskSync(state: $0, salesforceTaskID: try c[17].decode(String?.self), lastError: try c[18].decode(String?.self))
            },
            transcript: []
        )
    }
}
