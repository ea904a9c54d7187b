import Foundation
import Salesforce
import Store
import Voice
import Worker

/// A campaign as a person asks for it (`dialer campaign create`, `POST /v1/campaigns`), checked
/// into a `NewCampaign` before anything is written: one set of rules for the CLI and the API.
public struct CampaignDraft: Sendable {
    public var name: String
    public var condition: String?
    public var soql: String?
    public var from: String
    public var ratePerSecond: Double = 1
    public var maxConcurrentCalls: Int = 10
    public var maxAttempts: Int = 3
    /// `HH:MM-HH:MM` in the callee's local time.
    public var window: String = "08:00-21:00"
    /// The agent's script (JSON), as `dialer serve` reads `DIALER_AGENT_SCRIPT`.
    public var agentScript: String?
    public var disclosure: String?
    /// `hang_up` (the default) or `leave_message`: what a call does when a machine answers.
    public var voicemailPolicy: String?
    /// Where a callee who asks for a person is put through, in E.164; nil: nowhere.
    public var transferNumber: String?
    /// `HH:MM-HH:MM` in ``transferTimeZone``: when someone is there to take the call.
    public var transferHours: String?
    /// An IANA zone, such as America/New_York.
    public var transferTimeZone: String?
    /// How long calls' conversations are kept: `90d` (days); nil: until purged.
    public var retention: String?

    public init(name: String, condition: String? = nil, soql: String? = nil, from: String) {
        self.name = name
        self.condition = condition
        self.soql = soql
        self.from = from
    }

    /// The fields a draft can be refused for; the CLI names them as options, the API as JSON
    /// pointers.
    public enum Field: String, Sendable {
        case name, condition, soql, from, ratePerSecond, maxConcurrentCalls, maxAttempts, window, agentScript, disclosure
        case voicemailPolicy, transferNumber, transferHours, transferTimeZone, retention
        /// Both or neither of `condition` and `soql`.
        case query
    }

    /// Why a draft was refused: the field at fault, and what is wrong with it.
    public struct Refusal: Error, Equatable, CustomStringConvertible {
        public let field: Field
        public let reason: String

        public init(_ field: Field, _ reason: String) {
            self.field = field
            self.reason = reason
        }

        public var description: String { reason }
    }

    /// The campaign to create, or the first refusal.
    public func validated() throws(Refusal) -> NewCampaign {
        guard name.range(of: #"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"#, options: .regularExpression) != nil else {
            throw Refusal(.name, "must be 1 to 100 letters, digits, '.', '_' or '-', starting with a letter or digit")
        }
        let query = try validatedQuery()
        guard let caller = PhoneNumber.normalize(from).number, from.hasPrefix("+") else {
            throw Refusal(.from, "must be a number in E.164, such as +14155550100")
        }
        let bounds = window.split(separator: "-").map { String($0) }
        guard bounds.count == 2, bounds.allSatisfy(Self.isClockTime), bounds[0] < bounds[1] else {
            throw Refusal(.window, "must be HH:MM-HH:MM with the start before the end, such as 09:00-20:00")
        }
        guard ratePerSecond > 0, ratePerSecond <= 100 else { throw Refusal(.ratePerSecond, "must be above 0 and at most 100 calls per second") }
        guard maxConcurrentCalls > 0 else { throw Refusal(.maxConcurrentCalls, "must be at least 1") }
        guard (1...10).contains(maxAttempts) else { throw Refusal(.maxAttempts, "must be between 1 and 10") }

        var campaign = NewCampaign(name: name, soql: query.soql, fromNumber: caller.e164)
        campaign.ratePerSecond = ratePerSecond
        campaign.maxConcurrentCalls = maxConcurrentCalls
        campaign.maxAttempts = maxAttempts
        campaign.windowStart = bounds[0]
        campaign.windowEnd = bounds[1]
        if let agentScript {
            // Checked now, as `dialer serve` checks DIALER_AGENT_SCRIPT: a script every call
            // would have to fall back from is refused before the campaign exists.
            do {
                _ = try AgentScript(json: agentScript)
            } catch {
                throw Refusal(.agentScript, "\(error)")
            }
            campaign.agentScript = agentScript
        }
        if let disclosure {
            guard disclosure.count <= 500 else { throw Refusal(.disclosure, "must be 500 characters at most; a long preamble loses the callee") }
            campaign.disclosure = disclosure
        }
        if let voicemailPolicy {
            guard ["hang_up", "leave_message"].contains(voicemailPolicy) else {
                throw Refusal(.voicemailPolicy, "must be hang_up or leave_message")
            }
            campaign.voicemailPolicy = voicemailPolicy
        }
        try validateTransfer(into: &campaign)
        if let retention {
            guard let days = Self.days(retention) else { throw Refusal(.retention, "must be a number of days, such as 90d (1d to 3650d)") }
            campaign.retentionDays = days
        }
        return campaign
    }

    private func validateTransfer(into campaign: inout NewCampaign) throws(Refusal) {
        guard let transferNumber else {
            if transferHours != nil || transferTimeZone != nil { throw Refusal(.transferNumber, "is needed for transfer hours and a zone") }
            return
        }
        guard let number = PhoneNumber.normalize(transferNumber).number, transferNumber.hasPrefix("+") else {
            throw Refusal(.transferNumber, "must be a number in E.164, such as +14155550100")
        }
        let bounds = (transferHours ?? "09:00-17:00").split(separator: "-").map { String($0) }
        guard bounds.count == 2, bounds.allSatisfy(Self.isClockTime), bounds[0] < bounds[1] else {
            throw Refusal(.transferHours, "must be HH:MM-HH:MM with the start before the end, such as 09:00-17:00")
        }
        let zone = transferTimeZone ?? "UTC"
        guard TimeZone(identifier: zone) != nil, zone.contains("/") || zone == "UTC" else {
            throw Refusal(.transferTimeZone, "must be an IANA time zone, such as America/New_York")
        }
        campaign.transferNumber = number.e164
        campaign.transferHoursStart = bounds[0]
        campaign.transferHoursEnd = bounds[1]
        campaign.transferTimeZone = zone
    }

    /// The filter, parsed and rendered back: a malformed one, a query on another object, or a
    /// clause smuggled into the condition is refused.
    func validatedQuery() throws(Refusal) -> SOQLQuery {
        switch (condition, soql) {
        case (let condition?, nil):
            do {
                return SOQLQuery(fields: SalesforceContact.fields, object: "Contact", condition: try SOQLParser.parseCondition(condition))
            } catch {
                throw Refusal(.condition, "is not a valid SOQL condition: \(error)")
            }
        case (nil, let text?):
            var parsed: SOQLQuery
            do {
                parsed = try SOQLParser.parseQuery(text)
            } catch {
                throw Refusal(.soql, "is not a valid query: \(error)")
            }
            guard parsed.object.lowercased() == "contact" else {
                throw Refusal(.soql, "must select FROM Contact, not FROM \(parsed.object)")
            }
            parsed.addFields(SalesforceContact.fields)
            return parsed
        default:
            throw Refusal(.query, "give exactly one of a condition on Contact (where) and a full query (soql)")
        }
    }

    static func isClockTime(_ text: String) -> Bool {
        let parts = text.split(separator: ":")
        guard parts.count == 2, parts.allSatisfy({ $0.count == 2 }), let hour = Int(parts[0]), let minute = Int(parts[1]) else { return false }
        return (0...23).contains(hour) && (0...59).contains(minute)
    }

    /// `90d` as 90: a whole number of days, 1 to 3650 (`dialer privacy purge --older-than`
    /// reads ages the same way).
    public static func days(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard trimmed.hasSuffix("d"), let days = Int(trimmed.dropLast()), (1...3650).contains(days) else { return nil }
        return days
    }
}
