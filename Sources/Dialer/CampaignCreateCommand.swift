import ArgumentParser
import Campaigns
import DialerServices
import Foundation
import Logging
import Salesforce
import Store
import Twilio
import Voice
import Worker

/// `dialer campaign create`: checks everything, then creates the campaign and its import.
struct CampaignCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a campaign from a SOQL filter on Contact and queue its import.",
        discussion: """
            The filter is parsed and rendered back before anything is written: a malformed \
            filter, a query on another object, or a clause smuggled into --where is refused and \
            nothing is enqueued. The fields the dialer needs are added to a --soql query when \
            missing. A query Salesforce itself refuses fails the import with Salesforce's message \
            (see `dialer campaign show`, or use --wait).

            Examples:
              dialer campaign create --name ca-renewals --where "MailingState = 'CA'" \\
                --from +14155550100 --wait
              dialer campaign create --name vip --from +14155550100 --window 10:00-18:00 \\
                --soql "SELECT Id FROM Contact WHERE Tier__c = 'VIP' ORDER BY LastName"
              dialer campaign create --name renewals --where "Renewal__c = NEXT_MONTH" \\
                --from +14155550100 --voicemail leave-message \\
                --transfer-to +14155550199 --transfer-hours 09:00-17:30 \\
                --transfer-time-zone America/Los_Angeles --retention 90d
            """
    )

    @OptionGroup var database: DatabaseOptions

    @Option(help: "A unique name for the campaign.") var name: String
    @Option(help: "A condition on Contact, as in a SOQL WHERE clause.") var `where`: String?
    @Option(help: "A full SOQL query on Contact, instead of --where.") var soql: String?
    @Option(help: "The caller ID, in E.164 (+14155550100): a Twilio number of yours.") var from: String
    @Option(help: "Calls per second, at most, for this campaign.") var rate: Double = 1
    @Option(help: "Calls in progress at once, at most.") var maxConcurrent: Int = 10
    @Option(help: "Calls per contact, at most (retries after no answer or busy).") var maxAttempts: Int = 3
    @Option(help: "Calling window in the callee's local time, HH:MM-HH:MM.") var window: String = "08:00-21:00"
    @Option(help: "The agent's script file, stored with the campaign.") var agentScript: String?
    @Option(help: "Said when the call is answered, before the agent: that an AI voice is calling, and any recording notice (500 characters at most).")
    var disclosure: String?
    @Option(help: "When a machine answers: hang-up (call again later) or leave-message (after the beep).") var voicemail: String = "hang-up"
    @Option(help: "Put a callee who asks for a person through to this number (E.164), during --transfer-hours.")
    var transferTo: String?
    @Option(help: "When someone is there to take a transfer, HH:MM-HH:MM in --transfer-time-zone.") var transferHours: String?
    @Option(help: "The zone of --transfer-hours, such as America/New_York.") var transferTimeZone: String?
    @Option(
        help:
            "Keep each call's conversation (transcript, stream rows, callback parameters) this long after the call, such as 90d; outcomes and Tasks stay."
    )
    var retention: String?
    @Flag(help: "Wait for the import, showing progress, and print the result.") var wait = false

    /// Everything checked, nothing written yet.
    func validatedCampaign() throws -> NewCampaign {
        var draft = CampaignDraft(name: name, condition: self.where, soql: soql, from: from)
        draft.ratePerSecond = rate
        draft.maxConcurrentCalls = maxConcurrent
        draft.maxAttempts = maxAttempts
        draft.window = window
        draft.disclosure = disclosure
        draft.voicemailPolicy = voicemail.replacingOccurrences(of: "-", with: "_")
        draft.transferNumber = transferTo
        draft.transferHours = transferHours
        draft.transferTimeZone = transferTimeZone
        draft.retention = retention
        if let agentScript {
            guard let text = try? String(contentsOfFile: agentScript, encoding: .utf8) else {
                throw ValidationError("--agent-script: cannot read \(agentScript)")
            }
            draft.agentScript = text
        }
        do {
            return try draft.validated()
        } catch  where error.field == .query {
            throw ValidationError("give exactly one of --where and --soql")
        } catch {
            throw ValidationError("\(Self.option(for: error.field)) \(error.reason)")
        }
    }

    /// The option a refused field came from.
    static func option(for field: CampaignDraft.Field) -> String {
        switch field {
        case .name: "--name"
        case .condition: "--where"
        case .soql: "--soql"
        case .from: "--from"
        case .ratePerSecond: "--rate"
        case .maxConcurrentCalls: "--max-concurrent"
        case .maxAttempts: "--max-attempts"
        case .window: "--window"
        case .agentScript: "--agent-script"
        case .disclosure: "--disclosure"
        case .voicemailPolicy: "--voicemail"
        case .transferNumber: "--transfer-to"
        case .transferHours: "--transfer-hours"
        case .transferTimeZone: "--transfer-time-zone"
        case .retention: "--retention"
        case .query: "--where/--soql"
        }
    }

    func run() async throws {
        let campaign = try validatedCampaign()
        try await Self.checkCallerID(campaign.fromNumber, environment: ProcessInfo.processInfo.environment)
        let wait = wait
        try await Database.run(url: try database.url(), maxConnections: 2, logger: database.logger("dialer.campaign")) { db in
            let store = CampaignStore(database: db)
            let id = try await store.create(campaign)
            print("campaign \(campaign.name) created (id \(id)); importing: \(campaign.soql)")
            guard wait else { return }
            let progress = try await ImportProgressDisplay(store: store, name: campaign.name).follow()
            print(CampaignSummary(progress: progress, soql: campaign.soql).text)
            if progress.status == .failed { throw ExitCode.failure }
        }
    }
}

extension CampaignCreateCommand {
    /// With Twilio credentials in the environment, `from` must be one of the account's numbers
    /// or a verified caller ID: every call from another would be refused, and the campaign
    /// paused at its first call. Without credentials nothing can be checked here.
    static func checkCallerID(_ from: String, environment: [String: String]) async throws {
        guard let configuration = try? TwilioConfiguration.fromEnvironment(environment) else { return }
        let standing: CallerIDStanding
        do {
            standing = try await TwilioClient(configuration: configuration, logger: Logger(label: "dialer.campaign")).callerID(from)
        } catch {
            throw ValidationError("--from \(from) could not be checked with Twilio: \(error) (dialer check twilio --from \(from))")
        }
        guard standing != .unknown else {
            throw ValidationError(
                "--from \(from) is neither one of the Twilio account's numbers nor a verified caller ID: Twilio would refuse every call"
            )
        }
    }
}
