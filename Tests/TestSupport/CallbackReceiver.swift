import Foundation
import Hummingbird
import HummingbirdTesting
import Synchronization
import Twilio

/// A loopback stand-in for the dialer's webhooks: records every POST the Sandbox Twilio sends
/// and answers `/voice` with TwiML.
public final class CallbackReceiver: Sendable {
    /// One request as received.
    public struct Received: Sendable {
        public let path: String
        /// The URL as the Sandbox requested it (what Twilio signs).
        public let url: String
        public let signature: String?
        public let parameters: [(String, String)]

        public func value(_ name: String) -> String? { parameters.first { $0.0 == name }?.1 }
    }

    let received = Mutex<[Received]>([])
    let answer = Mutex("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Pause length=\"60\"/></Response>")
    let base = Mutex("")

    /// `http://127.0.0.1:<port>`, once running.
    public var baseURL: String { base.withLock { $0 } }

    public var requests: [Received] { received.withLock { $0 } }

    public func requests(path: String) -> [Received] { requests.filter { $0.path == path } }

    /// What `/voice` answers from now on.
    public func answerVoice(_ twiml: String) { answer.withLock { $0 = twiml } }

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.post("**") { request, _ -> Response in
            var request = request
            let body = String(buffer: try await request.collectBody(upTo: 1 << 20))
            let parameters = FormEncoding.decode(body)
            let path = request.uri.path
            self.received.withLock {
                $0.append(
                    Received(
                        path: path,
                        url: self.baseURL + request.uri.description,
                        signature: request.headers.first { $0.name.canonicalName == "x-twilio-signature" }?.value,
                        parameters: parameters
                    )
                )
            }
            if path == "/voice" {
                return Response(
                    status: .ok,
                    headers: [.contentType: "text/xml"],
                    body: .init(byteBuffer: ByteBuffer(string: self.answer.withLock { $0 }))
                )
            }
            return Response(status: .noContent)
        }
        return router
    }
}

/// Runs a `CallbackReceiver` on a loopback port for `body`.
public func withCallbackReceiver<Result: Sendable>(_ body: @Sendable (CallbackReceiver) async throws -> Result) async throws -> Result {
    let receiver = CallbackReceiver()
    let app = Application(router: receiver.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: TestDatabase.testLogger)
    return try await app.test(.live) { client in
        guard let port = client.port else { throw TestSetupError("the receiver did not report its port") }
        receiver.base.withLock { $0 = "http://127.0.0.1:\(port)" }
        return try await body(receiver)
    }
}
