import Foundation
import Logging
import PostgresNIO

/// `dialer.calling_rules`: what `dialer rules` reads and writes, and the dial-time check reads
/// (`CampaignStore.dialContext`, in the same query as the contact).
public struct CallingRuleStore: Sendable {
    public let database: Database

    public init(database: Database) {
        self.database = database
    }

    var logger: Logger { database.logger }

    /// One rule row `r` as a JSON object, for `CallingRule.decode(json:)`.
    static let ruleJSON = """
        json_build_object('state', r.state, 'start', to_char(r.start_time, 'HH24:MI'), 'end', to_char(r.end_time, 'HH24:MI'),
                          'weekdays', r.weekdays, 'note', r.note,
                          'dates', ARRAY(SELECT to_char(d, 'YYYY-MM-DD') FROM unnest(r.no_call_dates) AS d ORDER BY d))
        """

    /// The condition on a rule row `r` that it binds a contact with these calling states (SQL
    /// expressions), or, when it has none, with this mailing state; `*` binds everyone.
    static func applicable(states: String, mailingState: String) -> String {
        "r.state = '*' OR r.state = ANY(\(states)) OR (cardinality(\(states)) = 0 AND r.state = upper(btrim(\(mailingState))))"
    }

    /// A contact row `k`'s calling schedule as SQL columns: every zone it may be in (`time_zone`
    /// alone for rows imported without them), and the rules that bind it as one JSON array
    /// (`CallingRule.decode(json:)`). PlaceCall's check and the media route's callback hours
    /// read the same two.
    static let contactSchedule = """
        CASE WHEN cardinality(k.time_zones) > 0 THEN k.time_zones ELSE array_remove(ARRAY[k.time_zone], NULL) END,
        (SELECT coalesce(json_agg(\(ruleJSON)), '[]')::text FROM dialer.calling_rules AS r
         WHERE \(applicable(states: "k.calling_states", mailingState: "k.mailing_state")))
        """

    /// Every rule, `*` first.
    public func list() async throws -> [CallingRule] {
        let rows = try await database.client.query(
            """
            SELECT coalesce(json_agg(\(unescaped: Self.ruleJSON) ORDER BY r.state <> '*', r.state), '[]')::text
            FROM dialer.calling_rules AS r
            """,
            logger: logger
        )
        for try await json in rows.decode(String.self) { return try CallingRule.decode(json: json) }
        return []
    }

    /// Creates or changes a state's rule: the hours when given, the weekdays when given (or,
    /// for a new rule, every day) less `withoutWeekdays`, the note when given. What is not
    /// given stays as it was. Returns the rule as written.
    @discardableResult
    public func set(
        state: String,
        hours: (start: Int, end: Int)? = nil,
        weekdays: Set<Int>? = nil,
        withoutWeekdays: Set<Int> = [],
        note: String? = nil
    ) async throws -> CallingRule {
        if let hours, !(8 * 60 <= hours.start && hours.start < hours.end && hours.end <= 21 * 60) {
            throw CallingRuleError.outsideFederalHours
        }
        let start = hours.map { CallingRule.clock($0.start) }
        let end = hours.map { CallingRule.clock($0.end) }
        let days = weekdays.map { $0.sorted() }
        let without = withoutWeekdays.sorted()
        let rows = try await database.client.query(
            """
            WITH written AS (
                INSERT INTO dialer.calling_rules AS r (state, start_time, end_time, weekdays, note)
                VALUES (\(state), coalesce(\(start)::time, '08:00'), coalesce(\(end)::time, '21:00'),
                        ARRAY(SELECT DISTINCT d FROM unnest(coalesce(\(days)::int[], '{1,2,3,4,5,6,7}')) AS d
                              WHERE d <> ALL(\(without)::int[]) ORDER BY d)::smallint[],
                        \(note))
                ON CONFLICT (state) DO UPDATE SET
                    start_time = coalesce(\(start)::time, r.start_time),
                    end_time = coalesce(\(end)::time, r.end_time),
                    weekdays = ARRAY(SELECT DISTINCT d FROM unnest(coalesce(\(days)::int[], r.weekdays::int[])) AS d
                                     WHERE d <> ALL(\(without)::int[]) ORDER BY d)::smallint[],
                    note = coalesce(\(note), r.note),
                    updated_at = now()
                RETURNING r.*
            )
            SELECT json_agg(\(unescaped: Self.ruleJSON))::text FROM written AS r
            """,
            logger: logger
        )
        for try await json in rows.decode(String?.self) {
            if let json, let rule = try CallingRule.decode(json: json).first { return rule }
        }
        throw CallingRuleError.notFound(state)
    }

    /// Deletes a state's rule; the `*` rule stays.
    public func remove(state: String) async throws {
        guard state != CallingRule.allState else { throw CallingRuleError.cannotRemoveAllStates }
        let rows = try await database.client.query(
            "DELETE FROM dialer.calling_rules WHERE state = \(state) RETURNING state",
            logger: logger
        )
        for try await _ in rows.decode(String.self) { return }
        throw CallingRuleError.notFound(state)
    }

    /// Adds no-call dates (`YYYY-MM-DD`, already checked) to a state's rule, creating the rule
    /// (with the federal hours, every day) if the state has none.
    @discardableResult
    public func addNoCallDates(_ dates: [String], state: String = CallingRule.allState) async throws -> CallingRule {
        try await writeDates(
            """
            INSERT INTO dialer.calling_rules AS r (state, no_call_dates)
            VALUES (\(state), ARRAY(SELECT DISTINCT d FROM unnest(\(dates)::date[]) AS d ORDER BY d))
            ON CONFLICT (state) DO UPDATE SET
                no_call_dates = ARRAY(SELECT DISTINCT d FROM unnest(r.no_call_dates || \(dates)::date[]) AS d ORDER BY d),
                updated_at = now()
            RETURNING r.*
            """,
            state: state
        )
    }

    /// Takes no-call dates off a state's rule.
    @discardableResult
    public func removeNoCallDates(_ dates: [String], state: String = CallingRule.allState) async throws -> CallingRule {
        try await writeDates(
            """
            UPDATE dialer.calling_rules AS r
            SET no_call_dates = ARRAY(SELECT d FROM unnest(r.no_call_dates) AS d WHERE d <> ALL(\(dates)::date[]) ORDER BY d),
                updated_at = now()
            WHERE r.state = \(state)
            RETURNING r.*
            """,
            state: state
        )
    }

    private func writeDates(_ write: PostgresQuery, state: String) async throws -> CallingRule {
        var query = PostgresQuery(unsafeSQL: "WITH written AS (\(write.sql)) SELECT json_agg(\(Self.ruleJSON))::text FROM written AS r")
        query.binds = write.binds
        let rows = try await database.client.query(query, logger: logger)
        for try await json in rows.decode(String?.self) {
            if let json, let rule = try CallingRule.decode(json: json).first { return rule }
        }
        throw CallingRuleError.notFound(state)
    }
}
