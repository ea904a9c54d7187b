import Foundation

/// One call asked for through the API (`POST /v1/calls`), checked and resolved: what
/// `CallRequestStore.insert` writes. At least one of `salesforceID` and `to` is set.
public struct NewCallRequest: Sendable, Equatable {
    /// The Contact the call is about; its number is dialed unless `to` is given.
    public var salesforceID: String?
    /// E.164.
    public var to: String?
    /// E.164; nil dials from the campaign's number.
    public var from: String?
    /// At most `CallRequestStore.maxMessageLength` characters.
    public var message: String?

    public init(salesforceID: String? = nil, to: String? = nil, from: String? = nil, message: String? = nil) {
        self.salesforceID = salesforceID
        self.to = to
        self.from = from
        self.message = message
    }
}

/// A request as its `prepare_call` job reads it.
public struct StoredCallRequest: Sendable, Equatable {
    public enum State: String, Sendable {
        case pending, prepared, failed
    }

    public let id: UUID
    public let campaignID: Int64
    public let salesforceID: String?
    public let to: String?
    public let message: String?
    public let state: State
}

/// The campaign an API call joins, as the request needs it.
public struct CallCampaign: Sendable, Equatable {
    public let id: Int64
    public let name: String
    public let status: CampaignStatus
    public let fromNumber: String

    /// A call may still join it: PlaceCall dials an active campaign's calls, and waits on a
    /// paused or importing one's; a completed, cancelled or failed campaign will dial nothing.
    public var acceptsCalls: Bool { [.active, .paused, .importing].contains(status) }
}
