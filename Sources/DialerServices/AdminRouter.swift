import AdminAPI
import Console
import Foundation
import Hummingbird
import Store
import Webhooks
import Worker

/// The admin listener's routes, for operators, Prometheus and client applications on the
/// internal network: `GET /metrics`, `GET /healthz` and `/readyz`, and the HTTP API (`/v1`, and
/// the seed's `/twilio/outbound/call` and `/twilio/call/{sid}/status`), and the console (`/console`). `dialer serve` and
/// `dialer-lab bench api` build it here, so what is measured is what runs.
public enum AdminRouter {
    /// `calls`: what `POST /v1/calls` needs of the serve configuration.
    public static func make(
        database: Database,
        metrics: WebhookMetrics,
        conversations: LiveConversations? = nil,
        calls: APICallSettings = APICallSettings()
    ) -> Router<BasicRequestContext> {
        let router = WebhookRouter.makeAdmin(metrics: metrics)
        HealthRoutes(database: database, conversations: conversations).add(to: router)
        let callRequests = CallRequests(database: database, defaultFrom: calls.defaultFrom, now: calls.windowClock.make())
        // One count of each campaign per process, whether the API or the console asks.
        let progress = CampaignProgressCache(store: CampaignStore(database: database))
        DialerAPI(database: database, logger: database.logger, progress: progress, callRequests: callRequests).addRoutes(to: router)
        ConsoleRoutes.add(to: router, database: database, progress: progress)
        return router
    }
}

/// What `POST /v1/calls` takes from the serve configuration: the caller ID of calls that name
/// neither a campaign nor a `from` (`DIALER_DEFAULT_FROM`), and the clock calling windows are
/// judged by, the worker's (`DIALER_WINDOW_CLOCK_START`), so `scheduledFor` is the instant
/// PlaceCall will allow.
public struct APICallSettings: Sendable {
    public var defaultFrom: String?
    public var windowClock: WorkerConfiguration.WindowClock

    public init(defaultFrom: String? = nil, windowClock: WorkerConfiguration.WindowClock = .wall) {
        self.defaultFrom = defaultFrom
        self.windowClock = windowClock
    }
}
