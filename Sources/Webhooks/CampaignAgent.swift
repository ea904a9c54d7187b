import Foundation
import Logging
import Store
import Synchronization
import Voice

/// The agent a call's campaign asked for: the script stored with the campaign
/// (`campaign create --agent-script`), or the service's own agent (`DIALER_AGENT_SCRIPT`, or
/// the model) for campaigns without one.
///
/// Scripts are read from Postgres once per campaign and kept for ``cacheFor``, so a call
/// costs no query while a changed script is picked up within that time. A stored script that
/// no longer decodes or validates (it was checked when the campaign was created, but this
/// binary may be older or newer) is logged, and the call gets the service's agent rather than
/// no conversation at all.
public final class CampaignAgent: Agent {
    let fallback: any Agent
    let campaigns: CampaignStore
    let cacheFor: Duration
    let logger: Logger
    private let cache = Mutex<[Int64: (loaded: ContinuousClock.Instant, agent: (any Agent)?)]>([:])

    public init(fallback: any Agent, campaigns: CampaignStore, cacheFor: Duration = .seconds(60), logger: Logger) {
        self.fallback = fallback
        self.campaigns = campaigns
        self.cacheFor = cacheFor
        self.logger = logger
    }

    public func startConversation(_ call: AgentCallContext) async throws -> any AgentConversation {
        try await agent(for: call.campaignID).startConversation(call)
    }

    /// The campaign's agent, from the cache or Postgres; the fallback when it has no script.
    func agent(for campaignID: Int64?) async throws -> any Agent {
        guard let campaignID else { return fallback }
        let now = ContinuousClock.now
        if let cached = cache.withLock({ $0[campaignID] }), now - cached.loaded < cacheFor {
            return cached.agent ?? fallback
        }
        let loaded: (any Agent)?
        if let text = try await campaigns.agentScript(campaignID: campaignID) {
            do {
                loaded = try ScriptedAgent(script: AgentScript(json: text))
            } catch {
                logger.error(
                    "the campaign's agent script is unusable: using the service's agent",
                    metadata: [
                        "campaign": "\(campaignID)", "error": "\(error)",
                    ]
                )
                loaded = nil
            }
        } else {
            loaded = nil
        }
        cache.withLock { $0[campaignID] = (now, loaded) }
        return loaded ?? fallback
    }
}
