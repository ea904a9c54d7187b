import AsyncHTTPClient
import DialerServices
import Foundation
import Hummingbird
import Voice
import VoiceBenchmark
import Webhooks

/// The webhook service on real loopback sockets, built as `dialer serve` builds it, for the
/// tests whose calls' callbacks and media streams must cross a socket.
public enum LiveWebhooks {
    /// Runs the webhook service on a loopback port, with the Sandbox's Auth Token, for `body`
    /// (its public URL as argument).
    public static func withWebhooks(
        _ dialing: Dialing,
        voice: VoiceComponents? = nil,
        control: (any CallControl)? = nil,
        _ body: @Sendable (String) async throws -> Void
    ) async throws {
        try await withWebhookService(dialing, voice: voice, control: control) { service in try await body(service.publicURL) }
    }

    /// The two listeners `dialer serve` runs: the public one (Twilio's routes, health) and
    /// the admin one (`/metrics`).
    public struct WebhookService: Sendable {
        public let publicURL: String
        public let adminURL: String
        public let port: Int
    }

    /// Runs the webhook service as `dialer serve` builds it, on loopback ports, with the
    /// Sandbox's Auth Token, for `body`.
    public static func withWebhookService(
        _ dialing: Dialing,
        voice: VoiceComponents? = nil,
        timeouts: ServerTimeouts = ServerTimeouts(),
        limits: MediaStreamLimits = MediaStreamLimits(),
        control: (any CallControl)? = nil,
        _ body: @Sendable (WebhookService) async throws -> Void
    ) async throws {
        let port = try LoopbackPort.unused()
        let adminPort = try LoopbackPort.unused()
        let service = WebhookService(publicURL: "http://127.0.0.1:\(port)", adminURL: "http://127.0.0.1:\(adminPort)", port: port)
        let configuration = TwilioWebhookConfiguration(
            publicURL: service.publicURL,
            authToken: dialing.sandbox.configuration.authToken,
            accountSID: dialing.sandbox.configuration.accountSID
        )
        // Built as `dialer serve` builds it. Without a voice the service answers no media
        // socket (the stand-ins only complete the wiring), as the status-callback tests want.
        let services = WebhookServices.assemble(
            webhooks: configuration,
            control: control,
            voice: voice ?? ConversationBenchmark.standIns,
            database: dialing.db,
            limits: limits
        )
        // Not HummingbirdTesting's live mode: it binds a port of its own choosing, and the
        // public URL must be known before the service starts.
        let address = ApplicationConfiguration(address: .hostname("127.0.0.1", port: port))
        let admin = Application(
            router: services.admin,
            configuration: .init(address: .hostname("127.0.0.1", port: adminPort)),
            logger: TestDatabase.testLogger
        )
        if voice != nil {
            let app = Application(
                router: services.router,
                server: WebhookRouter.server(media: services.media, timeouts: timeouts, metrics: services.metrics),
                configuration: address,
                logger: TestDatabase.testLogger
            )
            try await serve(app, admin: admin, service, body)
        } else {
            let app = Application(router: services.router, configuration: address, logger: TestDatabase.testLogger)
            try await serve(app, admin: admin, service, body)
        }
    }

    private static func serve(
        _ app: some ApplicationProtocol,
        admin: some ApplicationProtocol,
        _ service: WebhookService,
        _ body: @Sendable (WebhookService) async throws -> Void
    ) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.runService() }
            group.addTask { try await admin.runService() }
            let up = try await eventually(timeout: .seconds(30)) {
                let response = try? await HTTPClient.shared.execute(HTTPClientRequest(url: service.publicURL + "/healthz"), timeout: .seconds(1))
                let metrics = try? await HTTPClient.shared.execute(HTTPClientRequest(url: service.adminURL + "/metrics"), timeout: .seconds(1))
                return response?.status == .ok && metrics?.status == .ok
            }
            guard up else { throw TestSetupError("the webhook service did not start") }
            try await body(service)
            group.cancelAll()
        }
    }

    /// The admin listener's `/metrics` text.
    public static func scrape(_ service: WebhookService) async throws -> String {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: service.adminURL + "/metrics"), timeout: .seconds(5))
        return String(buffer: try await response.body.collect(upTo: 1 << 20))
    }

}
