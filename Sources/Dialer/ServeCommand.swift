import ArgumentParser
import DialerServices
import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import PostgresNIO
import ServiceLifecycle
import Store
import Webhooks

/// `dialer serve`: Twilio's webhooks, the media streams and the health checks on the public
/// listener, the metrics on the admin one, and a drain on SIGTERM that lets live calls end.
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
            like behind a load balancer; they share nothing but Postgres.

            Public routes (--hostname, --port): POST /twilio/voice, POST /twilio/status, POST \
            /twilio/amd, WS /twilio/media (the answered call's media stream: live transcript and \
            the agent's voice), GET /healthz (the process answers), GET /readyz (the database \
            answers, its schema is this binary's, and the service is not draining). A peer that \
            takes longer than --header-timeout to send a request head, --body-timeout to send \
            its body, or --idle-timeout to start its next request is disconnected; a media \
            socket that sends no start within --start-timeout, or too much before it, is closed \
            (1008). A request the service cannot answer within --answer-timeout (Postgres \
            unreachable) gets 503 with Retry-After rather than hanging until Twilio gives up.

            Admin routes (--admin-hostname, --admin-port; keep them off the internet): GET \
            /metrics (Prometheus: requests by route and status, signature failures, callback \
            lag, database latency, media frame cost, turn latency, slow peers cut off); the HTTP \
            API under /v1 (GET /v1/openapi.json describes it; keys from `dialer api-key \
            create`), and the original system's POST /twilio/outbound/call and GET \
            /twilio/call/{callSid}/status with the same keys; the operator's console at /console \
            (sign in with a key from dialer api-key create). A call started through the API \
            with neither a campaign nor a from number is placed from $DIALER_DEFAULT_FROM (E.164).

            SIGTERM or SIGINT drains: /readyz answers 503 so the load balancer sends new calls \
            elsewhere, live calls and their callbacks are served until they end, and calls \
            still going after --drain-timeout hear the agent's goodbye and are hung up; then the \
            service stops. Give the process manager --drain-timeout plus a minute to wait.

            The voice is embedded by default (PocketSphinx, the scripted agent, espeak-ng); \
            DIALER_STT=google, DIALER_AGENT=openai and DIALER_TTS=google choose cloud adapters, \
            and a cloud adapter without its settings stops the service at start, naming the \
            missing setting (the README's configuration reference lists them).

            Example:
              DATABASE_URL=postgres://dialer@db/dialer TWILIO_AUTH_TOKEN=… \\
                dialer serve --hostname 0.0.0.0 --port 8080 --public-url https://dialer.example.com \\
                  --admin-port 9464 --drain-timeout 300
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

    @Option(help: "Address of the admin listener (GET /metrics, the API under /v1); keep it internal.")
    var adminHostname = "127.0.0.1"

    @Option(help: "Port of the admin listener (GET /metrics, the API under /v1).")
    var adminPort = 9464

    @Option(help: "Seconds a new connection has to send a whole request head.")
    var headerTimeout = 10.0

    @Option(help: "Seconds a request has, after its head, to send its whole body.")
    var bodyTimeout = 10.0

    @Option(help: "Seconds a kept-alive connection may wait between requests (the next head included).")
    var idleTimeout = 75.0

    @Option(help: "Seconds a request may take to be answered before it gets 503 (Twilio gives up at 15).")
    var answerTimeout = 10.0

    @Option(help: "Seconds a media socket has, after its upgrade, to send Twilio's start.")
    var startTimeout = 5.0

    @Option(help: "Seconds live calls are given to end after SIGTERM before the agent says goodbye.")
    var drainTimeout = 300.0

    func run() async throws {
        for (name, seconds) in [
            ("--header-timeout", headerTimeout), ("--body-timeout", bodyTimeout), ("--idle-timeout", idleTimeout),
            ("--answer-timeout", answerTimeout), ("--start-timeout", startTimeout), ("--drain-timeout", drainTimeout),
        ] where !(seconds >= 0 && seconds <= 86_400) {
            throw CommandFailure("\(name) must be a number of seconds from 0 to 86400")
        }
        guard answerTimeout > 0 else { throw CommandFailure("--answer-timeout must be more than 0 seconds") }
        var environment = ProcessInfo.processInfo.environment
        if let publicURL { environment["DIALER_PUBLIC_URL"] = publicURL }
        var configuration = try ServeConfiguration.parse(environment)
        configuration.webhooks.answerTimeout = Self.duration(answerTimeout)
        let logger = database.logger("dialer.serve")
        let (db, clients) = try database.pools(maxConnections: 20, logger: logger)
        let services = try await WebhookServices.make(
            configuration,
            database: db,
            statusWriters: statusWriters,
            limits: MediaStreamLimits(startTimeout: Self.duration(startTimeout)),
            logger: logger
        )
        let timeouts = ServerTimeouts(header: Self.duration(headerTimeout), body: Self.duration(bodyTimeout), idle: Self.duration(idleTimeout))
        let app = Application(
            router: services.router,
            server: WebhookRouter.server(media: services.media, timeouts: timeouts, metrics: services.metrics),
            configuration: .init(address: .hostname(hostname, port: port)),
            logger: logger
        )
        let admin = Application(
            router: services.admin,
            configuration: .init(address: .hostname(adminHostname, port: adminPort)),
            logger: logger
        )
        // Shut down in reverse: the drain first (while both listeners still serve), then the
        // admin listener, the public one, the database pool, and the trace exporter last (it
        // flushes the spans of the calls the drain saw end).
        let traces = try TraceExport.start(serviceName: "dialer-serve", logger: logger)
        var watchdog = try DatabasePoolWatchdog.fromEnvironment(database: db, url: try database.url(), logger: logger)
        watchdog?.shutdownLimit = Self.duration(drainTimeout) + .seconds(60)
        let group = ServiceGroup(
            configuration: .init(
                services: (traces.map { [ServiceGroupConfiguration.ServiceConfiguration(service: $0)] } ?? []) + clients.map { .init(service: $0) }
                    + (watchdog.map { [.init(service: $0, failureTerminationBehavior: .gracefullyShutdownGroup)] } ?? [])
                    + [
                        .init(
                            service: SchemaCheckedService(database: db, migrate: migrate, service: app),
                            successTerminationBehavior: .gracefullyShutdownGroup
                        ),
                        .init(service: admin),
                        .init(
                            service: ConversationDrainService(
                                conversations: services.conversations,
                                drainTimeout: Self.duration(drainTimeout),
                                logger: logger
                            )
                        ),
                    ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await DatabasePoolStopped.exitingWithItsCode { try await group.run() }
    }

    static func duration(_ seconds: Double) -> Duration {
        .milliseconds(Int64((seconds * 1000).rounded()))
    }
}
