import Redaction
import Foundation
import PostgresNIO

/// The import's writes: each page of contacts and its dial jobs in one transaction.
extension CampaignStore {
    /// Starts (or restarts, after a crash) an import: progress counts from zero again.
    public func beginImport(campaignID: Int64) async throws {
        try await database.client.query(
            """
            UPDATE dialer.campaigns SET records_seen = 0, import_error = NULL, updated_at = now()
            WHERE id = \(campaignID) AND status IN ('importing', 'paused') AND imported_at IS NULL
            """,
            logger: logger
        )
    }

    /// Adds one page of contacts and a `place_call` job for each callable one, and counts the
    /// page in the campaign's progress, all in one statement (so one transaction).
    ///
    /// Idempotent: a contact already imported for the campaign is left alone, and no second job
    /// is queued for it. A number on the internal DNC list, or already held by another callable
    /// contact of the campaign, is recorded with its skip reason instead. `contacts` must not
    /// repeat a number among its callable entries (the caller marks later ones duplicate).
    @discardableResult
    public func importPage(campaignID: Int64, contacts: [ImportedContact], salesforceTotal: Int) async throws -> ImportPageResult {
        func column(_ value: (ImportedContact) -> String?) -> [String] { contacts.map { value($0) ?? "" } }
        let rows = try await database.client.query(
            """
            WITH input AS (
                SELECT * FROM unnest(
                    \(column { $0.salesforceID })::text[], \(column(\.accountID))::text[], \(column(\.firstName))::text[],
                    \(column(\.lastName))::text[], \(column(\.phoneE164))::text[], \(column(\.phoneField))::text[],
                    \(column(\.mailingState))::text[], \(column(\.timeZone))::text[], \(column(\.timeZoneSource))::text[],
                    \(column(\.skipReason))::text[], \(column(\.skipDetail))::text[],
                    \(column { $0.timeZones.joined(separator: ",") })::text[], \(column { $0.callingStates.joined(separator: ",") })::text[]
                ) WITH ORDINALITY AS t(salesforce_id, account_id, first_name, last_name, phone, phone_field, mailing_state,
                                       time_zone, time_zone_source, skip_reason, skip_detail, time_zones, calling_states, ord)
            ), classified AS (
                SELECT i.*,
                       CASE
                           WHEN i.skip_reason <> '' THEN i.skip_reason
                           WHEN EXISTS (SELECT 1 FROM dialer.dnc AS d WHERE d.phone_e164 = i.phone) THEN 'internal_dnc'
                           WHEN EXISTS (SELECT 1 FROM dialer.contacts AS c
                                        WHERE c.campaign_id = \(campaignID) AND c.phone_e164 = i.phone
                                          AND c.skip_reason IS NULL AND c.salesforce_id <> i.salesforce_id) THEN 'duplicate_phone'
                       END AS reason
                FROM input AS i
            ), inserted AS (
                INSERT INTO dialer.contacts (campaign_id, salesforce_id, account_id, first_name, last_name, phone_e164, phone_field,
                                             mailing_state, time_zone, time_zone_source, skip_reason, skip_detail,
                                             time_zones, calling_states)
                SELECT \(campaignID), salesforce_id, NULLIF(account_id, ''), NULLIF(first_name, ''), NULLIF(last_name, ''),
                       NULLIF(phone, ''), NULLIF(phone_field, ''), NULLIF(mailing_state, ''), NULLIF(time_zone, ''),
                       NULLIF(time_zone_source, ''), reason,
                       CASE reason
                           WHEN 'internal_dnc' THEN 'on the internal do-not-call list'
                           WHEN 'duplicate_phone' THEN coalesce(NULLIF(skip_detail, ''), 'number already held by another contact of this campaign')
                           ELSE NULLIF(skip_detail, '')
                       END,
                       -- Zone and state names hold no commas.
                       coalesce(string_to_array(NULLIF(time_zones, ''), ','), '{}'),
                       coalesce(string_to_array(NULLIF(calling_states, ''), ','), '{}')
                FROM classified
                ORDER BY ord
                ON CONFLICT (campaign_id, salesforce_id) DO NOTHING
                RETURNING id, skip_reason
            ), queued AS (
                INSERT INTO dialer.jobs (kind, args, campaign_id, unique_key)
                SELECT \(Self.placeCallKind), jsonb_build_object('contactID', id), \(campaignID), 'place_call:' || id
                FROM inserted WHERE skip_reason IS NULL
                ORDER BY id
                RETURNING id
            ), progress AS (
                UPDATE dialer.campaigns
                SET records_seen = records_seen + \(contacts.count), salesforce_total = \(salesforceTotal), updated_at = now()
                WHERE id = \(campaignID)
                RETURNING id
            )
            SELECT (SELECT count(*) FROM inserted)::int, (SELECT count(*) FROM queued)::int, (SELECT count(*) FROM progress)::int
            """,
            logger: logger
        )
        for try await (added, queued, _) in rows.decode((Int, Int, Int).self) {
            return ImportPageResult(contactsAdded: added, callsQueued: queued)
        }
        return ImportPageResult(contactsAdded: 0, callsQueued: 0)
    }

    /// The import read every page: the campaign starts dialing, unless an operator paused it
    /// meanwhile (it stays paused, imported).
    public func finishImport(campaignID: Int64) async throws {
        try await database.client.query(
            """
            UPDATE dialer.campaigns
            SET status = CASE status WHEN 'importing' THEN 'active' ELSE status END, imported_at = now(), updated_at = now()
            WHERE id = \(campaignID) AND status IN ('importing', 'paused') AND imported_at IS NULL
            """,
            logger: logger
        )
    }

    /// The import cannot succeed (Salesforce refused the query): nothing more will be imported,
    /// and the reason is kept for operators and `campaign create --wait`.
    public func failImport(campaignID: Int64, reason: String) async throws {
        try await database.client.query(
            """
            UPDATE dialer.campaigns SET status = 'failed', import_error = \(PhoneNumberRedaction.redacting(reason)), updated_at = now()
            WHERE id = \(campaignID) AND status IN ('importing', 'paused') AND imported_at IS NULL
            """,
            logger: logger
        )
    }
}
