import ArgumentParser
import DialerServices
import Foundation
import Store

/// `dialer status`: every campaign's progress, as a table.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Print each campaign's progress: contacts, calls and Salesforce Tasks (dialer.campaign_progress).",
        discussion: """
            pending: callable contacts waiting to be dialed (or for their next attempt); \
            in_call: dialing or on a call now; done: a final outcome. Tasks: synced to \
            Salesforce, failed (see `dialer tasks failed`), pending.

            Examples:
              dialer status
              dialer status --campaign ca-renewals
            """
    )
    @OptionGroup var database: DatabaseOptions

    @Option(help: "Only this campaign (by name).")
    var campaign: String?

    func run() async throws {
        let campaign = campaign
        try await Database.run(url: try database.url(), maxConnections: 1, logger: database.logger("dialer.status")) { db in
            let rows = try await CampaignStore(database: db).progress(name: campaign)
            guard !rows.isEmpty else { return print(campaign.map { "no campaign \($0)" } ?? "no campaigns") }
            print(Self.table(rows).render())
        }
    }

    static func table(_ rows: [CampaignProgress]) -> Table { .campaignProgress(rows) }
}
