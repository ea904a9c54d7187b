import Hummingbird
import Logging
import Queue

/// Answers every request within a time limit: a request the routes have not answered by then
/// gets 503 with `Retry-After`, and the route's work is cancelled and left behind.
///
/// A route waits on Postgres, and across a Postgres restart or a network cut a request to the
/// pool was seen never to return, cancelled or not (``Abandonable``). Unbounded, such requests
/// pile up at Twilio's rate, hold their connections, and answer Twilio nothing before it gives
/// up at 15 s and speaks an application error into the call. Bounded, Twilio (and a load
/// balancer's health check) gets a clear answer, and the route's work, if Postgres comes back,
/// still ends: every write a route makes is idempotent or fenced.
///
/// The body is read before the limit's clock starts, up to the routes' own limit: the work
/// left behind must not be reading the connection while the server reads it for the next
/// request. A slow body is ``ServerTimeouts/body``'s business; a larger one is refused with
/// 413 as the routes refuse it. WebSocket upgrades never come here (the media route has
/// ``MediaStreamLimits``).
public struct AnswerDeadline<Routes: HTTPResponderBuilder>: HTTPResponderBuilder
where Routes.Responder.Context: RequestContext {
    public let routes: Routes
    public let limit: Duration
    public let bodyLimit: Int
    public let metrics: WebhookMetrics?

    public init(_ routes: Routes, limit: Duration, bodyLimit: Int, metrics: WebhookMetrics?) {
        self.routes = routes
        self.limit = limit
        self.bodyLimit = bodyLimit
        self.metrics = metrics
    }

    public func buildResponder() -> Responder {
        Responder(routes: routes.buildResponder(), limit: limit, bodyLimit: bodyLimit, metrics: metrics)
    }

    /// The routes' responder behind the limit.
    public struct Responder: HTTPResponder {
        let routes: Routes.Responder
        let limit: Duration
        let bodyLimit: Int
        let metrics: WebhookMetrics?

        public func respond(to request: Request, context: Routes.Responder.Context) async throws -> Response {
            var request = request
            do {
                _ = try await request.collectBody(upTo: bodyLimit)
            } catch let refusal as any HTTPResponseError {
                context.logger.warning("request refused: its body is over \(bodyLimit) bytes", metadata: ["path": "\(request.uri.path)"])
                return try refusal.response(from: request, context: context)
            } catch {
                return Response(status: .badRequest, headers: [.connection: "close", .contentLength: "0"])  // the body broke off
            }
            let routes = self.routes
            let read = request
            do {
                return try await withDeadline(limit, "answering \(request.method) \(request.uri.path)") {
                    try await routes.respond(to: read, context: context)
                }
            } catch is DeadlineExceeded {
                metrics?.answerAbandoned()
                context.logger.error(
                    "gave up on a request the service could not answer in time; is Postgres reachable?",
                    metadata: ["path": "\(request.uri.path)", "limit": "\(limit)"]
                )
                return Response(status: .serviceUnavailable, headers: [.retryAfter: "5", .contentLength: "0"])
            }
        }
    }
}
