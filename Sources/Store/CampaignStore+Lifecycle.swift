import PostgresNIO
import Queue
import Redaction

/// A campaign's life after its import, in the dialer's hands: completed once nothing of it is
/// left to do, paused for a fault that is its own.
extension CampaignStore {

    /// Pauses an active campaign for a fault of its own (Twilio refused its From), keeping the
    /// reason for `dialer campaign show`; true when this paused it.
    @discardableResult
    public func pauseForFault(campaignID: Int64, reason: String) async throws -> Bool {
        let rows = try await database.client.query(
            """
            UPDATE dialer.campaigns SET status = 'paused', pause_reason = \(PhoneNumberRedaction.redacting(reason)), updated_at = now()
            WHERE id = \(campaignID) AND status = 'active' RETURNING id
            """,
            logger: logger
        )
        for try await _ in rows { return true }
        return false
    }

    /// Marks every finished campaign completed (`dialer.complete_finished_campaigns`, sql/0015);
    /// returns their names.
    public func completeFinished() async throws -> [String] {
        let rows = try await database.client.query("SELECT dialer.complete_finished_campaigns()", logger: logger)
        var names: [String] = []
        for try await name in rows.decode(String.self) { names.append(name) }
        return names
    }
}
