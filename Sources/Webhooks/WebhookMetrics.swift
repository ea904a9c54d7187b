import Foundation
import Hummingbird
import Prometheus

/// What the webhook service measures, in Prometheus's terms, served by `GET /metrics`.
///
/// Each service owns its registry rather than bootstrapping the process-wide `MetricsSystem`:
/// tests and benchmarks run several apps in one process, and each must count only its own.
/// Labels are bounded: a route is the router's path pattern (`unmatched` for any other path),
/// never the raw URL, so a scanner cannot grow the series without limit.
public struct WebhookMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    /// Sees every inbound media frame's cost and every turn's latency as measured, for
    /// `dialer-lab bench media`, whose percentiles need the values, not histogram buckets.
    public var mediaObserver: (any MediaObserver)?

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
    }

    static let requestBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5),
    ]
    static let lagBuckets: [Duration] = [
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2), .seconds(5),
        .seconds(10), .seconds(30), .seconds(60), .seconds(300),
    ]

    /// One answered request.
    public func request(route: String, status: Int, duration: Duration) {
        registry.makeCounter(
            descriptor: Self.requests,
            labels: [("route", route), ("status", String(status))]
        ).increment()
        registry.makeDurationHistogram(
            descriptor: Self.requestDuration,
            labels: [("route", route)],
            buckets: Self.requestBuckets
        ).record(duration)
    }

    /// A request refused for a missing or wrong `X-Twilio-Signature`.
    public func signatureFailure(route: String) {
        registry.makeCounter(descriptor: Self.signatureFailures, labels: [("route", route)]).increment()
    }

    /// How long after the event (Twilio's `Timestamp`) its callback arrived.
    public func callbackLag(_ lag: Duration) {
        registry.makeDurationHistogram(descriptor: Self.lag, labels: [], buckets: Self.lagBuckets).record(max(lag, .zero))
    }

    /// Times one database operation a route waits for.
    public func database<Result>(_ operation: String, _ body: () async throws -> Result) async rethrows -> Result {
        let start = ContinuousClock.now
        defer {
            registry.makeDurationHistogram(
                descriptor: Self.databaseDuration,
                labels: [("operation", operation)],
                buckets: Self.requestBuckets
            ).record(ContinuousClock.now - start)
        }
        return try await body()
    }

    /// The Prometheus text exposition of everything recorded so far.
    public func exposition() -> [UInt8] {
        registry.emitToBuffer()
    }

    static var requests: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "dialer",
            metricName: "http_requests",
            unitName: "total",
            helpText: "Requests answered, by route pattern and HTTP status."
        )
    }
    static var requestDuration: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "dialer",
            metricName: "http_request_duration",
            unitName: "seconds",
            helpText: "Time from a request's arrival to its answer, by route pattern."
        )
    }
    static var signatureFailures: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "dialer",
            metricName: "twilio_signature_failures",
            unitName: "total",
            helpText: "Requests refused for a missing or invalid X-Twilio-Signature, by route."
        )
    }
    static var lag: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "dialer",
            metricName: "twilio_callback_lag",
            unitName: "seconds",
            helpText: "Time from a call event (Twilio's Timestamp) to its status callback's arrival."
        )
    }
    static var databaseDuration: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "dialer",
            metricName: "database_operation_duration",
            unitName: "seconds",
            helpText: "Time a webhook waited for Postgres, by operation."
        )
    }
}

/// Counts and times every request, and counts signature refusals, whatever the route answers
/// or throws.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: WebhookMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            metrics.request(route: Self.route(context), status: response.status.code, duration: ContinuousClock.now - start)
            return response
        } catch {
            let route = Self.route(context)
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            if case .badSignature? = error as? SignedTwilioRequest.Refusal { metrics.signatureFailure(route: route) }
            metrics.request(route: route, status: status, duration: ContinuousClock.now - start)
            throw error
        }
    }
}

extension RequestMetricsMiddleware {
    /// The matched route's pattern; Hummingbird names a miss `NotFound`, which is no pattern.
    static func route(_ context: Context) -> String {
        context.endpointPath.flatMap { $0.hasPrefix("/") ? $0 : nil } ?? "unmatched"
    }
}

/// `GET /metrics`: the Prometheus text format.
struct MetricsRoutes: Sendable {
    let metrics: WebhookMetrics

    func add<Context: RequestContext>(to router: Router<Context>) {
        router.get("/metrics") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.exposition()))
            )
        }
    }
}
