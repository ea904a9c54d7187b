import Foundation
import PostgresNIO
import Store

extension Database {
    /// One ended call with everything a conversation leaves, `endedDaysAgo` days old: a contact
    /// (named, with CRM fields) of campaign `campaign`, its attempt to `phone`, the call's row,
    /// two transcript entries, two callbacks with Twilio's parameters, a media-stream row, a
    /// synced Task and the call.ended event with its transcript. Returns the attempt's id.
    @discardableResult
    public func seedConversation(
        campaign: Int64,
        callSID: String,
        phone: String = "+14155550123",
        endedDaysAgo: Double = 100,
        ended: Bool = true
    ) async throws -> UUID {
        let ago = "\(endedDaysAgo) days"
        let contact = try await scalar(
            """
            INSERT INTO dialer.contacts (campaign_id, salesforce_id, phone_e164, first_name, last_name, context, attempts, outcome)
            VALUES (\(campaign), \("003SB" + String(callSID.suffix(10)).padding(toLength: 10, withPad: "0", startingAt: 0) + "AAA"),
                    \(phone), 'Pat', 'Doe', '{"Description": "renewal"}', 1, CASE WHEN \(ended) THEN 'answered' END)
            RETURNING id
            """,
            as: Int64.self
        )
        let attempt = try await scalar(
            """
            INSERT INTO dialer.call_attempts (contact_id, campaign_id, attempt_number, state, to_e164, from_e164, call_sid, created_at, ended_at)
            VALUES (\(contact), \(campaign), 1, 'placed', \(phone), '+14155550100', \(callSID), now() - \(ago)::interval,
                    CASE WHEN \(ended) THEN now() - \(ago)::interval END)
            RETURNING id
            """,
            as: UUID.self
        )
        try await execute(
            """
            INSERT INTO dialer.calls (call_sid, attempt_id, status, answered_at, ended_at, duration_seconds)
            VALUES (\(callSID), \(attempt), CASE WHEN \(ended) THEN 'completed' ELSE 'in-progress' END, now() - \(ago)::interval,
                    CASE WHEN \(ended) THEN now() - \(ago)::interval END, 42)
            """
        )
        try await execute(
            """
            INSERT INTO dialer.transcript_entries (call_sid, seq, attempt_id, speaker, text, start_ms, end_ms)
            VALUES (\(callSID), 0, \(attempt), 'agent', 'Hello Pat', 0, 900), (\(callSID), 1, \(attempt), 'callee', 'yes', 1000, 1400)
            """
        )
        try await execute(
            """
            INSERT INTO dialer.call_events (call_sid, sequence_number, status, attempt_id, params)
            VALUES (\(callSID), 0, 'ringing', \(attempt), jsonb_build_object('To', \(phone)::text, 'CallStatus', 'ringing')),
                   (\(callSID), 1, 'completed', \(attempt), jsonb_build_object('To', \(phone)::text, 'CallStatus', 'completed'))
            """
        )
        try await execute(
            "INSERT INTO dialer.media_streams (stream_sid, call_sid, attempt_id) VALUES (\("MZ" + callSID), \(callSID), \(attempt))"
        )
        try await execute(
            """
            INSERT INTO dialer.task_syncs (call_sid, attempt_id, campaign_id, state, salesforce_task_id, synced_at)
            VALUES (\(callSID), \(attempt), \(campaign), 'synced', \("00T" + callSID), now())
            """
        )
        try await execute(
            """
            INSERT INTO dialer.webhook_events (type, subject, payload)
            VALUES ('call.ended', \("call.ended:" + callSID), '{"outcome": "Answered", "transcript": [{"seq": 0, "text": "Hello Pat"}]}')
            """
        )
        return attempt
    }

    /// A campaign for seeded conversations.
    public func seedCampaign(_ name: String = "kept") async throws -> Int64 {
        try await scalar(
            "INSERT INTO dialer.campaigns (name, soql, status, from_number) VALUES (\(name), 'SELECT Id FROM Contact', 'active', '+14155550100') RETURNING id",
            as: Int64.self
        )
    }
}
