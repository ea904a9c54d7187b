import PostgresNIO

/// The end of a campaign: completed by the dialer once nothing of it is left to do.
extension CampaignStore {
    /// The job kind that completes finished campaigns (one job, run again every interval).
    public static let completeKind = "complete_campaigns"

    /// Marks every finished campaign completed (`dialer.complete_finished_campaigns`, sql/0015);
    /// returns their names.
    public func completeFinished() async throws -> [String] {
        let rows = try await database.client.query("SELECT dialer.complete_finished_campaigns()", logger: logger)
        var names: [String] = []
        for try await name in rows.decode(String.self) { names.append(name) }
        return names
    }
}
