import ArgumentParser
import Campaigns
import DialerServices
import Foundation
import Queue
import Store
import Worker

/// `dialer privacy`: personal data kept only as long as needed.
struct PrivacyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "privacy",
        abstract: "Purge old conversations, erase a person's number, and list what was done.",
        discussion: """
            A purge removes the words of calls that ended before a cutoff: transcript entries, \
            media-stream rows, the raw parameters of Twilio's callbacks, and the transcript in \
            call.ended events. Attempts, statuses, outcomes and Task ids stay. An erasure puts a \
            number on the DNC list, then removes or masks it, with its contacts' names and CRM \
            fields and its calls' words, everywhere the dialer keeps them. Both run as jobs on \
            the workers, in small batches, while campaigns dial. A campaign created with \
            --retention 90d is purged by itself.

            Examples:
              dialer privacy purge --older-than 90d --wait
              dialer privacy purge --older-than 30d --campaign ca-renewals
              dialer privacy erase --phone +14155550123 --wait
              dialer privacy log
            """,
        subcommands: [Purge.self, Erase.self, Log.self]
    )

    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Queue a purge of the conversations of calls that ended before a cutoff.",
            discussion: """
                Example:
                  dialer privacy purge --older-than 90d --campaign ca-renewals --wait
                """
        )
        @OptionGroup var database: DatabaseOptions
        @Option(help: "How old a call must be (since its end) for its conversation to go, in days: 90d.") var olderThan: String
        @Option(help: "Only this campaign's calls (by name); all campaigns when absent.") var campaign: String?
        @Flag(help: "Wait until the purge is done, showing progress.") var wait = false

        func run() async throws {
            guard let days = CampaignDraft.days(olderThan) else { throw ValidationError("--older-than must be a number of days, such as 90d") }
            let (campaign, wait) = (campaign, wait)
            try await Database.run(url: try database.url(), maxConnections: 2, logger: database.logger("dialer.privacy")) { db in
                var campaignID: Int64?
                if let campaign {
                    guard let found = try await CampaignStore(database: db).progress(name: campaign).first else {
                        throw ValidationError("--campaign: no campaign \(campaign)")
                    }
                    campaignID = found.id
                }
                let cutoff = Date().addingTimeInterval(-Double(days) * 86_400)
                let job = try await JobQueue(database: db).enqueue(PurgeConversationsArgs(olderThan: cutoff, campaignID: campaignID))
                let scope = campaign.map { "campaign \($0)" } ?? "all campaigns"
                print("purge of \(scope), calls that ended before \(ISO8601DateFormatter().string(from: cutoff)): job \(job.id)")
                if !job.inserted { print("(a purge of \(scope) was queued already: that job goes on)") }
                if wait { try await PrivacyCommand.follow(job: job.id, db: db) }
            }
        }
    }

    struct Erase: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Erase a person's number and words everywhere the dialer keeps them, and never call it again.",
            discussion: """
                The number is on the DNC list as soon as this returns; the erasure of its \
                contacts, calls and transcripts runs as a job. Salesforce is not changed: erase \
                the Contact there yourself.

                Example:
                  dialer privacy erase --phone +14155550123 --wait
                """
        )
        @OptionGroup var database: DatabaseOptions
        @Option(help: "The number, in E.164: +14155550123.") var phone: String
        @Flag(help: "Wait until the erasure is done, showing progress.") var wait = false

        func run() async throws {
            guard phone.hasPrefix("+"), let number = PhoneNumber.normalize(phone).number else {
                throw ValidationError("--phone must be a number in E.164, such as +14155550123")
            }
            let wait = wait
            try await Database.run(url: try database.url(), maxConnections: 2, logger: database.logger("dialer.privacy")) { db in
                try await PrivacyStore(database: db).listNotToCall(phone: number.e164)
                let job = try await JobQueue(database: db).enqueue(ErasePhoneArgs(phone: number.e164))
                print("\(number.masked) is on the DNC list; its erasure is job \(job.id)")
                if wait { try await PrivacyCommand.follow(job: job.id, db: db) }
            }
        }
    }

    struct Log: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the latest purges and erasures (dialer.privacy_actions).",
            discussion: """
                Example:
                  dialer privacy log --limit 50
                """
        )
        @OptionGroup var database: DatabaseOptions
        @Option(help: "How many, newest first.") var limit = 20

        func run() async throws {
            let limit = limit
            try await Database.run(url: try database.url(), maxConnections: 1, logger: database.logger("dialer.privacy")) { db in
                let actions = try await PrivacyStore(database: db).actions(limit: limit)
                guard !actions.isEmpty else { return print("no purge or erasure yet") }
                print(PrivacyCommand.table(actions).render())
            }
        }
    }

    static func table(_ actions: [PrivacyStore.Action]) -> Table {
        let stamp = ISO8601DateFormatter()
        return Table(
            header: ["id", "action", "scope", "calls", "contacts", "transcript", "events", "streams", "webhooks", "started", "finished"],
            rows: actions.map { action in
                let scope =
                    action.phone ?? (action.campaign ?? "all") + (action.olderThan.map { " before " + stamp.string(from: $0) } ?? "")
                let c = action.counts
                return [
                    "\(action.id)", action.action, scope, "\(c.calls)", "\(c.contacts)", "\(c.transcriptEntries)", "\(c.callEvents)",
                    "\(c.mediaStreams)", "\(c.webhookEvents)", stamp.string(from: action.startedAt),
                    action.finishedAt.map(stamp.string(from:)) ?? "-",
                ]
            }
        )
    }

    /// Prints the action's counts every second until its job has finished it.
    static func follow(job: Int64, db: Database) async throws {
        let store = PrivacyStore(database: db)
        var last = ""
        while true {
            let action = try await store.actions(limit: 1, jobID: job).first
            if let action {
                let line = "calls \(action.counts.calls) · contacts \(action.counts.contacts) · rows \(action.counts.rows)"
                if line != last { print(line) }
                last = line
                if action.finishedAt != nil { return print("done") }
            }
            try await Task.sleep(for: .seconds(1))
        }
    }
}
