import Foundation

/// A campaign as an operator creates it.
public struct NewCampaign: Sendable {
    public var name: String
    /// The full query, already parsed and rendered by the caller.
    public var soql: String
    public var fromNumber: String
    public var ratePerSecond: Double = 1
    public var maxConcurrentCalls: Int = 10
    public var maxAttempts: Int = 3
    /// `HH:MM` in the callee's local time.
    public var windowStart: String = "08:00"
    public var windowEnd: String = "21:00"
    public var agentScript: String?
    /// Said when the call is answered, before the agent speaks.
    public var disclosure: String?
    /// Seconds before the next attempt by how the last one ended (`busy`, `no-answer`,
    /// `machine`, `failed`, and `voicemail_left`, which is final unless set); nil keeps the
    /// schema's defaults.
    public var retryDelays: [String: Int]?
    /// `hang_up` or `leave_message`.
    public var voicemailPolicy = "hang_up"
    /// Where a callee who asks for a person is put through, during the transfer hours
    /// (`HH:MM`, in `transferTimeZone`).
    public var transferNumber: String?
    public var transferHoursStart = "09:00"
    public var transferHoursEnd = "17:00"
    public var transferTimeZone = "UTC"
    /// Days a call's conversation is kept after its end (`apply_retention`); nil: until purged.
    public var retentionDays: Int?

    public init(name: String, soql: String, fromNumber: String) {
        self.name = name
        self.soql = soql
        self.fromNumber = fromNumber
    }
}

/// Where a campaign is in its life.
public enum CampaignStatus: String, Sendable, Codable, CaseIterable {
    case importing, active, paused, completed, cancelled, failed
}

/// A row of `dialer.campaign_progress`.
public struct CampaignProgress: Sendable, Equatable {
    public let id: Int64
    public let name: String
    public let status: CampaignStatus
    public let salesforceTotal: Int?
    public let recordsSeen: Int
    public let contacts: Int
    public let callable: Int
    public let skipped: [String: Int]
    public let importError: String?
    /// Callable contacts not yet dialed (or waiting for their next attempt), on a call now, and done.
    public var pending = 0
    public var inProgress = 0
    public var done = 0
    /// Done contacts by final outcome: answered, voicemail_left, machine, busy, no_answer, failed, other.
    public var outcomes: [String: Int] = [:]
    public var callsPlaced = 0
    public var callsAnswered = 0
    public var averageDurationSeconds: Double?
    public var tasksSynced = 0
    public var tasksFailed = 0
    public var tasksPending = 0
    /// Callable contacts with more than one candidate time zone: called only when every one
    /// is inside the window.
    public var multiZoneContacts = 0
    public var soql = ""
    /// Why the dialer paused it, when it did.
    public var pauseReason: String?
    public var createdAt = Date.distantPast
    /// When its import read the last page.
    public var importedAt: Date?
}

/// What an operator may do to a campaign, from which statuses: one list for the CLI, the API
/// and the console.
public enum CampaignMove: String, Sendable, CaseIterable {
    case pause, resume, cancel

    public var from: Set<CampaignStatus> {
        switch self {
        case .pause: [.active, .importing]
        case .resume: [.paused]
        case .cancel: [.importing, .active, .paused]
        }
    }

    public var to: CampaignStatus {
        switch self {
        case .pause: .paused
        case .resume: .active
        case .cancel: .cancelled
        }
    }
}

/// A contact read from Salesforce, classified by the import: its number in E.164 and its
/// time zone, or why it will not be called. Internal-DNC and duplicate numbers are found by
/// the database, against everything imported so far.
public struct ImportedContact: Sendable {
    public var salesforceID: String
    public var accountID: String?
    public var firstName: String?
    public var lastName: String?
    public var phoneE164: String?
    public var phoneField: String?
    public var mailingState: String?
    /// The primary zone: the one Tasks date calls by.
    public var timeZone: String?
    public var timeZoneSource: String?
    /// Every zone the contact may be in, `timeZone` first: calls start only when all are
    /// inside the window.
    public var timeZones: [String] = []
    /// Every US state the contact may be in (two-letter codes), whose calling rules apply.
    public var callingStates: [String] = []
    public var skipReason: String?
    public var skipDetail: String?
    /// The other fields the campaign's query selected, by API name (`Description`,
    /// `Account.Name`): what the agent may say about the contact.
    public var context: [String: String] = [:]

    public init(salesforceID: String) {
        self.salesforceID = salesforceID
    }

    /// ``context`` as a JSON object; nil when empty.
    var contextJSON: String? {
        guard !context.isEmpty, let data = try? JSONEncoder().encode(context) else { return nil }
        // Postgres text holds no NUL, and jsonb refuses its escape too.
        return String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\\u0000", with: "")
    }
}

/// What one imported page added.
public struct ImportPageResult: Sendable, Equatable {
    /// New contact rows (a re-run after a crash adds none for contacts it already has).
    public let contactsAdded: Int
    public let callsQueued: Int
}

/// Why a campaign command could not be carried out.
public enum CampaignError: Error, Equatable, CustomStringConvertible {
    case nameTaken(String)
    case notFound(String)
    case invalidTransition(name: String, from: CampaignStatus, to: CampaignStatus)

    public var description: String {
        switch self {
        case .nameTaken(let name): "a campaign named \(name) exists already"
        case .notFound(let name): "no campaign \(name)"
        case let .invalidTransition(name, from, to): "campaign \(name) is \(from.rawValue); it cannot become \(to.rawValue)"
        }
    }
}
