import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import Synchronization

/// A loopback receiver of the dialer's outgoing webhooks, as a customer's server: records every
/// POST (its Standard Webhooks headers and body) and answers with the statuses it is told,
/// one per request (the last one repeated).
public final class WebhookReceiver: Sendable {
    public struct Received: Sendable {
        public let path: String
        public let id: String?
        public let timestamp: String?
        public let signature: String?
        public let contentType: String?
        public let body: String
        /// When it arrived, by this host's clock.
        public let receivedAt: Date

        /// Verifies the signature as a receiver does: HMAC-SHA256 of `id.timestamp.body`, keyed
        /// with the secret's bytes (Standard Webhooks' reference verification).
        public func isSigned(with secret: String) -> Bool {
            guard let id, let timestamp, let signature,
                let key = Data(base64Encoded: String(secret.dropFirst("whsec_".count)))
            else { return false }
            let mac = HMAC<SHA256>.authenticationCode(for: Data("\(id).\(timestamp).\(body)".utf8), using: SymmetricKey(data: key))
            return signature.split(separator: " ").contains { $0 == "v1," + Data(mac).base64EncodedString() }
        }

        /// The body's JSON.
        public var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
        }
    }

    let received = Mutex<[Received]>([])
    let statuses: Mutex<[Int]>
    let base = Mutex("")

    public init(answering statuses: [Int] = [204]) {
        self.statuses = Mutex(statuses)
    }

    /// `http://127.0.0.1:<port>`, once running.
    public var baseURL: String { base.withLock { $0 } }

    public var requests: [Received] { received.withLock { $0 } }

    /// What the next requests are answered (the last one repeated).
    public func answer(_ statuses: [Int]) { self.statuses.withLock { $0 = statuses } }

    /// Waits until `count` requests have arrived, up to `timeout`.
    public func waitFor(_ count: Int, timeout: Duration = .seconds(20)) async throws -> [Received] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let seen = requests
            if seen.count >= count { return seen }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestSetupError("the receiver saw \(requests.count) webhook(s), expected \(count)")
    }

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.post("**") { request, _ -> Response in
            var request = request
            let body = String(buffer: try await request.collectBody(upTo: 4 << 20))
            func header(_ name: String) -> String? { request.headers.first { $0.name.canonicalName == name }?.value }
            self.received.withLock {
                $0.append(
                    Received(
                        path: request.uri.path,
                        id: header("webhook-id"),
                        timestamp: header("webhook-timestamp"),
                        signature: header("webhook-signature"),
                        contentType: header("content-type"),
                        body: body,
                        receivedAt: Date()
                    )
                )
            }
            let status = self.statuses.withLock { statuses in statuses.count > 1 ? statuses.removeFirst() : statuses.first ?? 204 }
            return Response(status: .init(code: status), body: .init(byteBuffer: ByteBuffer(string: status < 300 ? "" : "receiver says no")))
        }
        return router
    }
}

/// Runs a `WebhookReceiver` on a loopback port for `body`.
public func withWebhookReceiver<Result: Sendable>(
    answering statuses: [Int] = [204],
    _ body: @Sendable (WebhookReceiver) async throws -> Result
) async throws -> Result {
    let receiver = WebhookReceiver(answering: statuses)
    let app = Application(router: receiver.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: TestDatabase.testLogger)
    return try await app.test(.live) { client in
        guard let port = client.port else { throw TestSetupError("the receiver did not report its port") }
        receiver.base.withLock { $0 = "http://127.0.0.1:\(port)" }
        return try await body(receiver)
    }
}
