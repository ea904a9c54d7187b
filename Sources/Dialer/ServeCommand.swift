import ArgumentParser
import Foundation
import AsyncHTTPClient
import Hummingbird
import HummingbirdWebSocket
import Logging
import PostgresNIO
import ServiceLifecycle
import Store
import Twilio
import Voice
import Webhooks

/// `dialer serve`: Twilio's webhooks and the health checks.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve Twilio's webhooks (voice, status, AMD), the media stream and the health checks.",
        discussion: """
            Twilio's requests are checked against --public-url, the URL Twilio calls (behind a \
            TLS proxy, the proxy's public address), and the account's Auth Token \
            ($TWILIO_AUTH_TOKEN: Twilio signs with it, not with an API key). With the REST \
            settings too ($TWILIO_ACCOUNT_SID, and the token or an API key), a machine that \
            answers under a campaign's hang_up policy is hung up on. Run as many as you \
            like behind a load balancer; they share nothing but Postgres. SIGTERM or SIGINT \
            stops accepting and finishes requests in flight.

            Routes: POST /twilio/voice, POST /twilio/status, POST /twilio/amd, WS /twilio/media \
            (the answered call's media stream: live transcript and the agent's voice), GET \
            /healthz (the process answers), GET /readyz (the database answers and its schema is \
            this binary's), GET /metrics (Prometheus: requests by route and status, signature \
            failures, callback lag, database latency, media frame cost, turn latency).

            The voice is embedded by default (PocketSphinx, the scripted agent, espeak-ng); \
            DIALER_STT=google, DIALER_AGENT=openai and DIALER_TTS=google choose cloud adapters, \
            and a cloud adapter without its settings stops the service at start, naming the \
            missing setting (the README's configuration reference lists them).

            Example:
              DATABASE_URL=postgres://dialer@db/dialer TWILIO_AUTH_TOKEN=… \\
                dialer serve --hostname 0.0.0.0 --port 8080 --public-url https://dialer.example.com
            """
    )

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Address to listen on.")
    var hostname = "127.0.0.1"

    @Option(help: "Port to listen on.")
    var port = 8080

    @Option(help: "The URL Twilio calls, which its signatures cover ($DIALER_PUBLIC_URL).")
    var publicURL: String?

    @Option(help: "Batches of status callbacks written at once; more suits a Postgres with more cores.")
    var statusWriters = CallStore.defaultStatusWriters

    @Flag(help: "Apply pending migrations at start instead of refusing to run.")
    var migrate = false

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let publicURL = publicURL ?? environment["DIALER_PUBLIC_URL"], let url = URL(string: publicURL),
              url.scheme == "https" || url.scheme == "http", url.host != nil
        else { throw CommandFailure("--public-url (or DIALER_PUBLIC_URL) must be the http(s) URL Twilio calls") }
        guard let token = environment["TWILIO_AUTH_TOKEN"], !token.isEmpty else {
            throw CommandFailure("TWILIO_AUTH_TOKEN is not set: Twilio signs its webhooks with the account's Auth Token")
        }
        let voiceConfiguration: VoiceConfiguration
        do {
            voiceConfiguration = try VoiceConfiguration.fromEnvironment(environment)
            try voiceConfiguration.validate()
        } catch {
            throw CommandFailure("\(error)")
        }
        let logger = database.logger("dialer.serve")
        let client = PostgresClient(configuration: try database.url().clientConfiguration(maxConnections: 20), backgroundLogger: logger)
        let db = Database(client: client, logger: logger)
        // Hanging up on machines takes the REST credentials; without them machines are only recorded.
        var control: (any CallControl)?
        do {
            control = TwilioClient(configuration: try TwilioConfiguration.fromEnvironment(environment), logger: logger)
        } catch {
            logger.warning("answering machines will be recorded, not hung up on: \(error)")
        }
        // With the account known, a media stream's start must name it.
        let configuration = TwilioWebhookConfiguration(
            publicURL: publicURL, authToken: token, accountSID: environment["TWILIO_ACCOUNT_SID"].flatMap { $0.isEmpty ? nil : $0 }
        )
        let metrics = WebhookMetrics()
        let voice = try await VoiceComponents.make(voiceConfiguration, http: .shared, logger: logger)
        let router = WebhookRouter.make(database: db, configuration: configuration, control: control, metrics: metrics, statusWriters: statusWriters)
        let media = WebhookRouter.makeMedia(database: db, configuration: configuration, voice: voice, metrics: metrics)
        let app = Application(
            router: router, server: WebhookRouter.server(media: media),
            configuration: .init(address: .hostname(hostname, port: port)), logger: logger
        )
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: client),
                    .init(service: SchemaCheckedService(database: db, migrate: migrate, service: app), successTerminationBehavior: .gracefullyShutdownGroup),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()
    }
}
