import Foundation
import Store

/// The campaigns API calls join, with their hours and the rules of the states they call, kept
/// for a second: at a thousand calls a second the read was a statement of its own for each.
///
/// Safe to keep: the write refuses a campaign that closed meanwhile (`CampaignTakesNoCalls`),
/// and PlaceCall decides the hours again when it dials. What a changed window or rule can make
/// stale for that second is only the answer's `scheduledFor`.
final class DialingCampaignCache: Sendable {
    struct Key: Hashable, Sendable {
        let campaign: String?
        let callingStates: [String]
        let mailingState: String?
    }

    private let campaigns = ExpiringCache<Key, CallRequestCampaign>(lifetime: .seconds(1))

    func value(for key: Key, read: () async throws -> CallRequestCampaign?) async throws -> CallRequestCampaign? {
        // Only a campaign that takes calls is kept: a refused one is read again next time.
        try await campaigns.value(for: key, keep: { $0.campaign.acceptsCalls }, read: read)
    }
}
