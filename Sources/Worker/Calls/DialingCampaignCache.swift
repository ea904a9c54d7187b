import Foundation
import Store
import Synchronization

/// The campaigns API calls join, with their hours and the rules of the states they call, kept
/// for a second: at a thousand calls a second the read was a statement of its own for each.
///
/// Safe to keep: the write refuses a campaign that closed meanwhile (`CampaignTakesNoCalls`),
/// and PlaceCall decides the hours again when it dials. What a changed window or rule can make
/// stale for that second is only the answer's `scheduledFor`.
final class DialingCampaignCache: Sendable {
    struct Key: Hashable {
        let campaign: String?
        let callingStates: [String]
        let mailingState: String?
    }

    private let entries = Mutex<[Key: (value: CallRequestCampaign, at: ContinuousClock.Instant)]>([:])
    let lifetime: Duration
    /// Past this many entries the cache starts over (keys are per campaign and state set).
    let capacity = 1_000

    init(lifetime: Duration = .seconds(1)) {
        self.lifetime = lifetime
    }

    func value(for key: Key, read: () async throws -> CallRequestCampaign?) async throws -> CallRequestCampaign? {
        let now = ContinuousClock.now
        if let hit = entries.withLock({ $0[key] }), now - hit.at < lifetime { return hit.value }
        guard let value = try await read() else { return nil }
        // Only a campaign that takes calls is kept: a refused one is read again next time.
        guard value.campaign.acceptsCalls else { return value }
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = (value, now)
        }
        return value
    }
}
