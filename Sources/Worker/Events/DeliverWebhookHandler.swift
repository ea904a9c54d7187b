import AsyncHTTPClient
import Backoff
import Foundation
import Logging
import NIOCore
import Queue
import Store

/// `deliver_webhook`: POSTs one event to one endpoint, signed as Standard Webhooks sign it.
///
/// Every attempt sends the same body with the same `webhook-id` (the event's id, which
/// receivers drop duplicates by), a fresh `webhook-timestamp` (unix seconds) and its
/// `webhook-signature` (`v1,<base64 HMAC-SHA256>`, `WebhookSignature`). A 2xx answer within
/// `timeout` delivers it. Anything else (another status, a redirect, which is not followed,
/// no answer, a timeout) fails the attempt with the status and the start of the answer as the
/// job's error, and the queue retries on Standard Webhooks' schedule (5 s, 5 min, 30 min, 2 h,
/// 5 h, 10 h, 10 h), then discards the job: `dialer.webhook_delivery_failures` shows it and
/// `dialer webhook retry` runs it again. At least once: a receiver may see an event twice.
/// A delivery whose endpoint was removed or disabled is cancelled.
///
/// Leads to: nothing.
public struct DeliverWebhookHandler: JobWorker {
    public typealias Args = DeliverWebhookArgs
    let events: WebhookEventStore
    let http: HTTPClient
    let timeout: Duration
    /// The delay after each failed attempt: Standard Webhooks' schedule unless a test says.
    public let backoff: RetryBackoff
    let logger: Logger
    let clock: @Sendable () -> Date

    /// Standard Webhooks' retry schedule, after attempts 1 to 7 (the eighth is the last).
    public static let schedule = RetryBackoff(schedule: [5, 300, 1800, 7200, 18000, 36000, 36000])

    /// A client for deliveries: redirects are answers, never followed (a receiver that moved
    /// must be updated, not trusted to send signed events elsewhere). Lives with the process.
    public static let sharedHTTPClient: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: .seconds(10))
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    public init(
        database: Database,
        http: HTTPClient = DeliverWebhookHandler.sharedHTTPClient,
        timeout: Duration = .seconds(15),
        backoff: RetryBackoff = DeliverWebhookHandler.schedule,
        logger: Logger,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        events = WebhookEventStore(database: database)
        self.http = http
        self.timeout = timeout
        self.backoff = backoff
        self.logger = logger
        self.clock = clock
    }

    public func run(_ args: DeliverWebhookArgs, job: Job) async throws -> JobOutcome {
        guard let message = try await events.message(eventID: args.eventID, endpointID: args.endpointID) else {
            return .cancelled(reason: "the event or its endpoint no longer exists")
        }
        if message.endpointDisabled { return .cancelled(reason: "endpoint \(message.endpointName) is disabled") }
        let timestamp = Int(clock().timeIntervalSince1970)
        let signature: String
        do {
            signature = try WebhookSignature.sign(secret: message.secret, id: message.eventID, timestamp: timestamp, body: message.body)
        } catch {
            throw PermanentFailure("\(error)")
        }
        var request = HTTPClientRequest(url: message.url)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "user-agent", value: "dialer-webhooks/1")
        request.headers.add(name: "webhook-id", value: message.eventID)
        request.headers.add(name: "webhook-timestamp", value: "\(timestamp)")
        request.headers.add(name: "webhook-signature", value: signature)
        request.body = .bytes(ByteBuffer(string: message.body))
        let status: Int
        let snippet: String
        do {
            let response = try await http.execute(request, deadline: .now() + .nanoseconds(Int64(timeout.seconds * 1e9)))
            status = Int(response.status.code)
            if (200..<300).contains(status) {
                // Read to the end (within the deadline) so the connection can carry the next one.
                _ = try? await response.body.collect(upTo: 64 << 10)
                logger.debug(
                    "webhook delivered",
                    metadata: ["event_id": "\(message.eventID)", "endpoint": "\(message.endpointName)", "status": "\(status)"]
                )
                return .completed
            }
            snippet = await Self.snippet(of: response.body)
        } catch {
            throw DeliveryFailed(message: "no answer from \(Self.host(message.url)): \(Self.describe(error))")
        }
        logger.info(
            "webhook refused",
            metadata: ["event_id": "\(message.eventID)", "endpoint": "\(message.endpointName)", "status": "\(status)", "attempt": "\(job.attempt)"]
        )
        throw DeliveryFailed(message: "HTTP \(status)" + (snippet.isEmpty ? "" : ": \(snippet)"))
    }

    /// An attempt that did not deliver; the queue records `message` and retries.
    struct DeliveryFailed: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    /// The start of a refusal's body (at most 200 characters, on one line): enough to tell a
    /// receiver's error from a proxy's page, and never a whole document in the jobs table.
    static func snippet(of body: HTTPClientResponse.Body) async -> String {
        var collected = ByteBuffer()
        do {
            for try await var chunk in body {
                collected.writeBuffer(&chunk)
                if collected.readableBytes >= 512 { break }
            }
        } catch {}
        let text = String(decoding: collected.readableBytesView.prefix(512), as: UTF8.self)
        let line = String(text.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : Character($0) })
        return String(line.trimmingCharacters(in: .whitespaces).prefix(200))
    }

    /// The URL's host alone: a URL may carry a token in its path or query.
    static func host(_ url: String) -> String { URLComponents(string: url)?.host ?? "the endpoint" }

    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout: return "timed out"
            case .connectTimeout: return "connect timed out"
            case .remoteConnectionClosed: return "connection closed before an answer"
            default: return "\(error)"
            }
        }
        return "\(error)"
    }
}
