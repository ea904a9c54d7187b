import ArgumentParser
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
    @Flag(help: "Wait for the import, showing progress, and print the result.") var wait = false

    /// Everything checked, nothing written yet.
    func validatedCampaign() throws -> NewCampaign {
        let query: SOQLQuery
        switch (self.where, soql) {
        case (let condition?, nil):
            do {
                query = SOQLQuery(fields: SalesforceContact.fields, object: "Contact", condition: try SOQLParser.parseCondition(condition))
            } catch {
                throw ValidationError("--where is not a valid SOQL condition: \(error)")
            }
        case (nil, let text?):
            var parsed: SOQLQuery
            do {
                parsed = try SOQLParser.parseQuery(text)
            } catch {
                throw ValidationError("--soql is not a valid query: \(error)")
            }
            guard parsed.object.lowercased() == "contact" else {
                throw ValidationError("--soql must select FROM Contact, not FROM \(parsed.object)")
            }
            parsed.addFields(SalesforceContact.fields)
            query = parsed
        default:
            throw ValidationError("give exactly one of --where and --soql")
        }
        guard let caller = PhoneNumber.normalize(from).number, from.hasPrefix("+") else {
            throw ValidationError("--from must be a number in E.164, such as +14155550100")
        }
        let bounds = window.split(separator: "-").map { String($0) }
        guard bounds.count == 2, bounds.allSatisfy(Self.isClockTime), bounds[0] < bounds[1] else {
            throw ValidationError("--window must be HH:MM-HH:MM with the start before the end, such as 09:00-20:00")
        }
        guard rate > 0, rate <= 100 else { throw ValidationError("--rate must be above 0 and at most 100 calls per second") }
        guard maxConcurrent > 0 else { throw ValidationError("--max-concurrent must be at least 1") }
        guard (1...10).contains(maxAttempts) else { throw ValidationError("--max-attempts must be between 1 and 10") }

        var campaign = NewCampaign(name: name, soql: query.soql, fromNumber: caller.e164)
        campaign.ratePerSecond = rate
        campaign.maxConcurrentCalls = maxConcurrent
        campaign.maxAttempts = maxAttempts
        campaign.windowStart = bounds[0]
        campaign.windowEnd = bounds[1]
        if let agentScript {
            guard let text = try? String(contentsOfFile: agentScript, encoding: .utf8) else {
                throw ValidationError("--agent-script: cannot read \(agentScript)")
            }
            // Checked now, as `dialer serve` checks DIALER_AGENT_SCRIPT: a script every call
            // would have to fall back from is refused before the campaign exists.
            do {
                _ = try AgentScript(json: text)
            } catch {
                throw ValidationError("--agent-script \(agentScript): \(error)")
            }
            campaign.agentScript = text
        }
        if let disclosure {
            guard disclosure.count <= 500 else { throw ValidationError("--disclosure: 500 characters at most; a long preamble loses the callee") }
            campaign.disclosure = disclosure
        }
        return campaign
    }

    static func isClockTime(_ text: String) -> Bool {
        let parts = text.split(separator: ":")
        guard parts.count == 2, parts.allSatisfy({ $0.count == 2 }), let hour = Int(parts[0]), let minute = Int(parts[1]) else { return false }
        return (0...23).contains(hour) && (0...59).contains(minute)
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
