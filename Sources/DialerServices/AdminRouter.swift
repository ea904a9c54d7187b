import AdminAPI
import Hummingbird
import Store
import Webhooks

/// The admin listener's routes, for operators, Prometheus and client applications on the
/// internal network: `GET /metrics`, `GET /healthz` and `/readyz`, and the HTTP API (`/v1`, and
/// the seed's `/twilio/outbound/call` and `/twilio/call/{sid}/status`). `dialer serve` and
/// `dialer-lab bench api` build it here, so what is measured is what runs.
public enum AdminRouter {
    public static func make(database: Database, metrics: WebhookMetrics, conversations: LiveConversations? = nil) -> Router<BasicRequestContext> {
        let router = WebhookRouter.makeAdmin(metrics: metrics)
        HealthRoutes(database: database, conversations: conversations).add(to: router)
        DialerAPI(database: database, logger: database.logger).addRoutes(to: router)
        return router
    }
}
