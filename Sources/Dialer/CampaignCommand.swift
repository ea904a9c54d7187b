import ArgumentParser
import DialerServices
import Foundation
import Salesforce
import Store
import Worker

/// `dialer campaign`: create campaigns from a SOQL filter and steer them.
struct CampaignCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "campaign",
        abstract: "Create, list, show, pause, resume and cancel campaigns.",
        discussion: """
            Examples:
              dialer campaign create --name ca-renewals --where "MailingState = 'CA'" \\
                --from +14155550100 --rate 2 --window 09:00-20:00 --wait
              dialer campaign list
              dialer campaign pause ca-renewals
            """,
        subcommands: [CampaignCreateCommand.self, List.self, Show.self, Pause.self, Resume.self, Cancel.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every campaign's status and import progress (dialer.campaign_progress).")
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            try await Database.run(url: try database.url(), maxConnections: 1, logger: database.logger("dialer.campaign")) { db in
                let rows = try await CampaignStore(database: db).progress()
                guard !rows.isEmpty else { return print("no campaigns") }
                print(
                    Table(
                        header: ["id", "name", "status", "contacts", "callable", "skipped"],
                        rows: rows.map {
                            ["\($0.id)", $0.name, $0.status.rawValue, "\($0.contacts)", "\($0.callable)", "\($0.skipped.values.reduce(0, +))"]
                        }
                    ).render()
                )
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One campaign: status, query, import progress, skip reasons, contacts with several time zones.",
            discussion: "Example:\n  dialer campaign show ca-renewals"
        )
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The campaign's name.") var name: String

        func run() async throws {
            let name = name
            try await Database.run(url: try database.url(), maxConnections: 1, logger: database.logger("dialer.campaign")) { db in
                let store = CampaignStore(database: db)
                guard let progress = try await store.progress(name: name).first,
                    let campaign = try await store.campaign(id: progress.id)
                else { throw CampaignError.notFound(name) }
                print(CampaignSummary(progress: progress, soql: campaign.soql, pauseReason: campaign.pauseReason).text)
            }
        }
    }

    /// pause, resume and cancel: a status change by name.
    struct Transition {
        static func run(_ database: DatabaseOptions, _ name: String, _ move: CampaignMove) async throws {
            try await Database.run(url: try database.url(), maxConnections: 2, logger: database.logger("dialer.campaign")) { db in
                let now = try await CampaignStore(database: db).apply(move, name: name)
                print(
                    now == move.to ? "campaign \(name) is \(now.rawValue)" : "campaign \(name) is \(now.rawValue): its import goes on, then it dials"
                )
            }
        }
    }

    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop placing new calls; calls in progress finish.",
            discussion: "Example:\n  dialer campaign pause ca-renewals"
        )
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The campaign's name.") var name: String
        func run() async throws { try await Transition.run(database, name, .pause) }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Place calls again after a pause.",
            discussion: "Example:\n  dialer campaign resume ca-renewals"
        )
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The campaign's name.") var name: String
        func run() async throws { try await Transition.run(database, name, .resume) }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "End the campaign: its queued jobs are cancelled; calls in progress finish.",
            discussion: "Example:\n  dialer campaign cancel ca-renewals"
        )
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The campaign's name.") var name: String
        func run() async throws { try await Transition.run(database, name, .cancel) }
    }
}

/// A campaign's state as `show` and `create --wait` print it.
struct CampaignSummary {
    let progress: CampaignProgress
    let soql: String
    var pauseReason: String? = nil

    var text: String {
        var lines = [
            "campaign \(progress.name) (id \(progress.id)): \(progress.status.rawValue)",
            "query: \(soql)",
            "imported: \(progress.recordsSeen) of \(progress.salesforceTotal.map(String.init) ?? "?") records; \(progress.contacts) contacts, \(progress.callable) callable",
        ]
        let skipped = progress.skipped.filter { $0.value > 0 }.sorted { $0.key < $1.key }
        if !skipped.isEmpty {
            lines.append("skipped: " + skipped.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        if progress.callable > 0 {
            lines.append(
                "time zones: \(progress.multiZoneContacts) of \(progress.callable) callable contacts have more than one candidate zone (called only when every one is inside the window)"
            )
        }
        if let error = progress.importError { lines.append("import failed: \(error)") }
        if let pauseReason { lines.append("paused by the dialer: \(pauseReason) (fix it, then dialer campaign resume \(progress.name))") }
        return lines.joined(separator: "\n")
    }
}
