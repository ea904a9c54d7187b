import Foundation
import PostgresNIO
import Queue
import Redaction

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
    /// page in the campaign's progress, in one transaction (`dialer.import_page`, sql/0023).
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
            SELECT contacts_added, calls_queued FROM dialer.import_page(
                \(campaignID), \(salesforceTotal)::int, \(PlaceCallArgs.kind),
                \(column { $0.salesforceID })::text[], \(column(\.accountID))::text[], \(column(\.firstName))::text[],
                \(column(\.lastName))::text[], \(column(\.phoneE164))::text[], \(column(\.phoneField))::text[],
                \(column(\.mailingState))::text[], \(column(\.timeZone))::text[], \(column(\.timeZoneSource))::text[],
                \(column(\.skipReason))::text[], \(column(\.skipDetail))::text[],
                \(column { $0.timeZones.joined(separator: ",") })::text[], \(column { $0.callingStates.joined(separator: ",") })::text[],
                \(column { $0.contextJSON })::text[])
            """,
            logger: logger
        )
        for try await (added, queued) in rows.decode((Int, Int).self) {
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
