import DialerServices
import Foundation
import PostgresNIO
import Sandbox
import Store

extension Database {
    /// An active campaign of `contacts` callable contacts, in a zone where it is midday now,
    /// each with its place_call job: what the pacing benchmark and the dialing process tests
    /// dial. Calls never end without webhooks, so the campaign allows them all in flight.
    func seedDialableCampaign(name: String, contacts: Int, ratePerSecond: Double, firstNumber: Int64 = 2_120_000_000) async throws -> Int64 {
        let rows = try await client.query(
            """
            WITH campaign AS (
                INSERT INTO dialer.campaigns (name, soql, status, from_number, rate_per_second, max_concurrent_calls, max_attempts)
                VALUES (\(name), 'SELECT Id FROM Contact', 'active', \(PacingBenchmark.from), \(ratePerSecond), \(max(1, contacts)), 1)
                RETURNING id
            ), contact AS (
                INSERT INTO dialer.contacts (campaign_id, salesforce_id, phone_e164, time_zone, time_zone_source)
                SELECT campaign.id, '003BP' || lpad(g::text, 13, '0'), '+1' || (\(firstNumber) + g)::text, \(CallableTimeZone.midday()), 'area_code'
                FROM campaign, generate_series(1, \(contacts)) AS g
                RETURNING id, campaign_id
            ), job AS (
                INSERT INTO dialer.jobs (kind, args, campaign_id, unique_key)
                SELECT \(PlaceCallArgs.kind), jsonb_build_object('contactID', id), campaign_id, dialer.place_call_key(id) FROM contact
            )
            SELECT id FROM campaign
            """,
            logger: logger
        )
        for try await id in rows.decode(Int64.self) { return id }
        throw CommandFailure("the campaign was not created")
    }

    /// One call Twilio accepted, as the webhook and media benchmarks replay it.
    struct PlacedCall: Sendable {
        var attemptID: String
        var contactID: Int64
        var callSID: String
    }

    /// A campaign of `calls` contacts, each with an attempt Twilio accepted; the calls in
    /// contact order, CallSids `CAbench<campaign>x<n>`.
    func seedPlacedCalls(name: String, calls: Int) async throws -> (campaign: Int64, calls: [PlacedCall]) {
        let rows = try await client.query(
            """
            WITH campaign AS (
                INSERT INTO dialer.campaigns (name, soql, status, from_number, rate_per_second, max_concurrent_calls, max_attempts)
                VALUES (\(name), 'SELECT Id FROM Contact', 'active', '+14155550100', 1, \(calls), 1)
                RETURNING id
            ), contact AS (
                INSERT INTO dialer.contacts (campaign_id, salesforce_id, phone_e164, time_zone, time_zone_source)
                SELECT campaign.id, '003BW' || lpad(g::text, 13, '0'), '+1' || (2120000000 + g)::text, 'America/New_York', 'area_code'
                FROM campaign, generate_series(0, \(calls - 1)) AS g
                RETURNING id, campaign_id, phone_e164
            )
            INSERT INTO dialer.call_attempts (contact_id, campaign_id, attempt_number, state, to_e164, from_e164, call_sid)
            SELECT id, campaign_id, 1, 'placed', phone_e164, '+14155550100',
                   'CAbench' || campaign_id || 'x' || ((substring(phone_e164 FROM 3))::bigint - 2120000000)
            FROM contact
            RETURNING campaign_id, id, contact_id, call_sid
            """,
            logger: logger
        )
        var campaign: Int64?
        var placed: [PlacedCall] = []
        for try await (campaignID, attempt, contact, callSID) in rows.decode((Int64, UUID, Int64, String).self) {
            campaign = campaignID
            placed.append(PlacedCall(attemptID: attempt.uuidString.lowercased(), contactID: contact, callSID: callSID))
        }
        guard let campaign else { throw CommandFailure("the benchmark campaign was not created") }
        return (campaign, placed.sorted { $0.contactID < $1.contactID })
    }

    /// Runs `body`, then removes the seeded campaign whether `body` succeeded or not.
    func removingBenchmarkCampaign<Result>(_ campaignID: Int64, _ body: () async throws -> Result) async throws -> Result {
        do {
            let result = try await body()
            try await removeBenchmarkCampaign(campaignID)
            return result
        } catch {
            try? await removeBenchmarkCampaign(campaignID)
            throw error
        }
    }

    /// Removes a seeded campaign and everything it made.
    func removeBenchmarkCampaign(_ campaignID: Int64) async throws {
        try await client.query("DELETE FROM dialer.jobs WHERE campaign_id = \(campaignID)", logger: logger)
        try await client.query("DELETE FROM dialer.task_syncs WHERE campaign_id = \(campaignID)", logger: logger)
        try await client.query(
            "DELETE FROM dialer.call_events WHERE attempt_id IN (SELECT id FROM dialer.call_attempts WHERE campaign_id = \(campaignID))",
            logger: logger
        )
        try await client.query(
            "DELETE FROM dialer.calls WHERE attempt_id IN (SELECT id FROM dialer.call_attempts WHERE campaign_id = \(campaignID))",
            logger: logger
        )
        try await client.query(
            "DELETE FROM dialer.transcript_entries WHERE attempt_id IN (SELECT id FROM dialer.call_attempts WHERE campaign_id = \(campaignID))",
            logger: logger
        )
        try await client.query(
            "DELETE FROM dialer.media_streams WHERE attempt_id IN (SELECT id FROM dialer.call_attempts WHERE campaign_id = \(campaignID))",
            logger: logger
        )
        try await client.query("DELETE FROM dialer.call_attempts WHERE campaign_id = \(campaignID)", logger: logger)
        try await client.query("DELETE FROM dialer.contacts WHERE campaign_id = \(campaignID)", logger: logger)
        try await client.query("DELETE FROM dialer.call_requests WHERE campaign_id = \(campaignID)", logger: logger)
        try await client.query("DELETE FROM dialer.campaigns WHERE id = \(campaignID)", logger: logger)
        try await client.query("DELETE FROM dialer.rate_limits WHERE key = \("campaign:\(campaignID)")", logger: logger)
    }
}
