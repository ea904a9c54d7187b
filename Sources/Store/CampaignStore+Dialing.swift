import Foundation
import PostgresNIO

/// Everything the PlaceCall job checks about a contact before dialing, read in one query.
public struct DialContext: Sendable, Equatable {
    public let contactID: Int64
    public let campaignID: Int64
    public let campaignName: String
    public let campaignStatus: CampaignStatus
    public let phoneE164: String?
    public let timeZone: String?
    /// Every zone the contact may be in (`timeZone` alone for rows imported without them).
    public let timeZones: [String]
    /// The calling rules that apply: `*` and those of every state the contact may be in.
    public let callingRules: [CallingRule]
    public let skipReason: String?
    public let outcome: String?
    /// Calls placed to the contact so far.
    public let attempts: Int
    public let maxAttempts: Int
    public let fromNumber: String
    public let ratePerSecond: Double
    public let maxConcurrentCalls: Int
    /// `HH:MM:SS`, in the contact's local time.
    public let windowStart: String
    public let windowEnd: String
    /// On the internal DNC list now (not at import).
    public let onDoNotCallList: Bool
    /// The campaign's calls in flight now.
    public let callsInFlight: Int
    /// `fromNumber` is the call's own (an API call's `from`), not the campaign's: Twilio
    /// refusing it is that call's fault, not the campaign's.
    public var ownFromNumber = false
    /// The campaign's voicemail policy is `leave_message`.
    public var leavesMessages = false
}

extension CampaignStore {
    /// What PlaceCall checks about a contact, read on `connection` when given (inside the
    /// caller's transaction), else on the pool.
    public func dialContext(contactID: Int64, on connection: PostgresConnection? = nil) async throws -> DialContext? {
        let query: PostgresQuery = """
            SELECT k.id, k.campaign_id, c.name, c.status, k.phone_e164, k.time_zone, k.skip_reason, k.outcome, k.attempts,
                   c.max_attempts, coalesce(req.from_e164, c.from_number), c.rate_per_second, c.max_concurrent_calls,
                   c.window_start::text, c.window_end::text,
                   EXISTS (SELECT 1 FROM dialer.dnc AS d WHERE d.phone_e164 = k.phone_e164),
                   (SELECT count(*)::int FROM dialer.call_attempts AS a
                    WHERE a.campaign_id = c.id AND a.ended_at IS NULL AND a.state <> 'failed'
                      AND a.created_at > now() - \(CallAttemptStore.longestCall)::interval),
                   \(unescaped: CallingRuleStore.contactSchedule),
                   req.from_e164 IS NOT NULL, c.voicemail_policy = 'leave_message'
            FROM dialer.contacts AS k JOIN dialer.campaigns AS c ON c.id = k.campaign_id
            LEFT JOIN dialer.call_requests AS req ON req.id = k.request_id
            WHERE k.id = \(contactID)
            """
        let rows =
            if let connection { try await connection.query(query, logger: logger) } else { try await database.client.query(query, logger: logger) }
        for try await row in rows.decode(
            (
                Int64, Int64, String, String, String?, String?, String?, String?, Int, Int, String, Double, Int, String, String, Bool, Int,
                [String], String, Bool, Bool
            ).self
        ) {
            var context = DialContext(
                contactID: row.0,
                campaignID: row.1,
                campaignName: row.2,
                campaignStatus: CampaignStatus(rawValue: row.3) ?? .failed,
                phoneE164: row.4,
                timeZone: row.5,
                timeZones: row.17,
                callingRules: try CallingRule.decode(json: row.18),
                skipReason: row.6,
                outcome: row.7,
                attempts: row.8,
                maxAttempts: row.9,
                fromNumber: row.10,
                ratePerSecond: row.11,
                maxConcurrentCalls: row.12,
                windowStart: row.13,
                windowEnd: row.14,
                onDoNotCallList: row.15,
                callsInFlight: row.16
            )
            context.ownFromNumber = row.19
            context.leavesMessages = row.20
            return context
        }
        return nil
    }

    /// Marks a contact not to be called because its number joined the DNC list after import.
    public func skipForDoNotCall(contactID: Int64) async throws {
        try await database.client.query(
            """
            UPDATE dialer.contacts SET skip_reason = 'internal_dnc', skip_detail = 'on the DNC list at dial time'
            WHERE id = \(contactID) AND skip_reason IS NULL AND outcome IS NULL
            """,
            logger: logger
        )
    }

    /// Records a contact's final outcome, once.
    public func recordOutcome(contactID: Int64, _ outcome: String) async throws {
        try await database.client.query(
            "UPDATE dialer.contacts SET outcome = \(outcome) WHERE id = \(contactID) AND outcome IS NULL",
            logger: logger
        )
    }
}
