import Foundation
import Store

/// What a client posts to `POST /v1/calls`, as received: checked by `CallRequests.create`.
public struct CallRequestBody: Sendable, Equatable, Codable {
    /// A Salesforce Contact id (15 or 18 letters and digits).
    public var contactId: String?
    /// The number to dial, E.164; with `contactId` as well, this number is dialed and the
    /// Contact is who the Task is about.
    public var to: String?
    /// The caller ID, E.164; else the campaign's, or `DIALER_DEFAULT_FROM` for the built-in one.
    public var from: String?
    /// What the agent is to say, at most 1,000 characters; else the Contact's Description.
    public var message: String?
    /// An existing campaign whose settings apply; else the built-in `api` campaign.
    public var campaign: String?

    public init(contactId: String? = nil, to: String? = nil, from: String? = nil, message: String? = nil, campaign: String? = nil) {
        self.contactId = contactId
        self.to = to
        self.from = from
        self.message = message
        self.campaign = campaign
    }
}

/// The answer to an accepted call (HTTP 202): its id, where it stands, and when it will be
/// dialed if not now.
public struct AcceptedCall: Sendable, Equatable, Codable {
    /// The call's id in `GET /v1/calls/{id}`, from now on; its first attempt's id too.
    public var id: UUID
    /// `queued` (to be dialed as soon as the gate allows; a Contact still to be read is queued
    /// too), `scheduled` (outside calling hours: see `scheduledFor`) or `skipped` (the number
    /// is on the DNC list: never dialed).
    public var state: String
    public var scheduledFor: Date?
    /// Why a `skipped` call is never dialed: the skip reason and its detail
    /// (`internal_dnc: on the internal do-not-call list`).
    public var reason: String?
    public var campaign: String

    public init(id: UUID, state: String, scheduledFor: Date?, reason: String? = nil, campaign: String) {
        self.id = id
        self.state = state
        self.scheduledFor = scheduledFor
        self.reason = reason
        self.campaign = campaign
    }
}

/// Why a call was refused; nothing was written.
public enum CallRequestError: Error, Equatable, CustomStringConvertible {
    /// Bad input: HTTP 400 naming `field` (`contactId`, `to`, `from`, `message`, `campaign`).
    case invalid(field: String, reason: String)
    /// The campaign exists but dials no more calls (completed, cancelled or failed): HTTP 409.
    case campaignClosed(name: String, status: CampaignStatus)

    public var description: String {
        switch self {
        case let .invalid(field, reason): "\(field): \(reason)"
        case let .campaignClosed(name, status): "campaign: \(name) is \(status.rawValue) and takes no more calls"
        }
    }

    /// The request field at fault.
    public var field: String {
        switch self {
        case .invalid(let field, _): field
        case .campaignClosed: "campaign"
        }
    }
}
