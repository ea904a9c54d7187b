// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "dialer",
    platforms: [.macOS(.v15)],
    products: [
        // What an operator deploys: migrate, campaign, rules, worker, serve, status, jobs, tasks, check, api-key.
        .executable(name: "dialer", targets: ["Dialer"]),
        // Everything else (demo, bench, chaos), around the real `dialer` binary; never shipped.
        .executable(name: "dialer-lab", targets: ["DialerLab"]),
    ],
    dependencies: [
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.1.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.0"),
        // Already in the graph through every server package; the webhook benchmark's load
        // generator uses NIO's HTTP/1 codec directly.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        // GET /metrics: Prometheus's text format from a registry each app owns (no global state).
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        // WS /twilio/media (the server), and the Sandbox Twilio opening it (the client).
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        // The HTTP API is spec first: its types and routing are generated from
        // Sources/AdminAPI/openapi.yaml (ops/openapi) onto these runtimes.
        .package(url: "https://github.com/apple/swift-openapi-runtime.git", from: "1.13.0"),
        .package(url: "https://github.com/hummingbird-project/swift-openapi-hummingbird.git", from: "2.1.0"),
        // The console's HTML templates, rendered from strings embedded in the binary.
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        // Traces: the API every module spans with (already in the graph through Hummingbird),
        // and the OTLP exporter the processes install when OTEL_EXPORTER_OTLP_ENDPOINT is set.
        // OTLP over HTTP only: the gRPC trait would build grpc-swift for nothing.
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.3.0"),
        .package(url: "https://github.com/swift-otel/swift-otel.git", from: "1.6.0", traits: ["OTLPHTTP"]),
    ],
    targets: [
        // Turns sql/NNNN_name.sql into Swift source, so the binary carries its migrations.
        .executableTarget(name: "EmbedSQL", path: "Sources/EmbedSQL"),
        .plugin(name: "EmbedMigrations", capability: .buildTool(), dependencies: ["EmbedSQL"]),
        // Turns Sources/Console/Assets/* (templates, stylesheet, script) into Swift source, so
        // the console needs no files beside the binary.
        .executableTarget(name: "EmbedAssets", path: "Sources/EmbedAssets"),
        .plugin(name: "EmbedConsoleAssets", capability: .buildTool(), dependencies: ["EmbedAssets"]),

        // The durable job queue and its runner (jobs, claims, leases, fencing, rescue, backoff,
        // wake-ups, typed jobs): knows nothing of campaigns, calls or Salesforce.
        .target(
            name: "Queue",
            dependencies: [
                "Backoff", "Redaction",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "Store",
            dependencies: [
                "Queue", "Redaction",
                "Backoff",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            plugins: ["EmbedMigrations"]
        ),
        // Retry delays, shared by the job queue and the HTTP clients.
        .target(name: "Backoff"),
        // One trace per call, keyed by the call's attempt id in every process.
        .target(name: "CallTrace", dependencies: [.product(name: "Tracing", package: "swift-distributed-tracing")]),
        // How phone numbers are masked in logs and in every stored error message.
        .target(name: "Redaction"),
        // RS256 signing of a JWT bearer assertion from a PEM key, shared by the two OAuth
        // flows that need one: Salesforce's Connected App login and Google's service accounts.
        .target(name: "JWTBearer", dependencies: [.product(name: "JWTKit", package: "jwt-kit")]),
        .target(
            name: "Salesforce",
            dependencies: [
                "Backoff", "JWTBearer",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "Worker",
            dependencies: [
                "Queue", "Store", "Backoff", "Salesforce", "Twilio", "Redaction", "CallTrace",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // Events out: webhook deliveries are POSTed and signed (HMAC-SHA256) here.
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .target(
            name: "Webhooks",
            dependencies: [
                "Store", "Queue", "Twilio", "Voice", "CallTrace",
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "Twilio",
            dependencies: [
                "Backoff",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The call's audio: mu-law, resampling, turn detection, the speech and agent protocols
        // with their embedded engines (the two C libraries below), and the cloud adapters
        // (OpenAI-compatible chat, Google Speech-to-Text and Text-to-Speech), which need an
        // HTTP client, the service-account JWT (JWTBearer; JWTKit for its claims) and a logger
        // (a failed model call is logged, never thrown into the call).
        .target(
            name: "Voice",
            dependencies: [
                "CEspeakNG", "CPocketSphinx", "JWTBearer",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // Module maps over Debian's libraries (ops/bootstrap installs them).
        .systemLibrary(
            name: "CEspeakNG",
            pkgConfig: "espeak-ng",
            providers: [.apt(["libespeak-ng-dev"])]
        ),
        .systemLibrary(
            name: "CPocketSphinx",
            pkgConfig: "pocketsphinx",
            providers: [.apt(["libpocketsphinx-dev", "pocketsphinx-en-us"])]
        ),
        // The operator's console on the admin listener: sign-in with an API key, sessions and
        // CSRF in Postgres, pages from Mustache templates, live updates by Server-Sent Events
        // fed from LISTEN/NOTIFY.
        .target(
            name: "Console",
            dependencies: [
                "Store", "Queue",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["Assets"],
            plugins: ["EmbedConsoleAssets"]
        ),
        // Loopback Salesforce and Twilio for tests and `dialer-lab`; `dialer` never links it
        // (ops/test checks the binary's symbols).
        .target(
            name: "Sandbox",
            dependencies: [
                "Salesforce", "Twilio", "Backoff", "Voice",
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ]
        ),
        // The whole dialer on loopback (both Sandboxes, the webhooks, a worker), built by
        // DialerServices as `dialer` builds it: `dialer-lab demo` and the end-to-end test run it.
        .target(
            name: "Demo",
            dependencies: [
                "Queue", "Store", "Worker", "Webhooks", "Salesforce", "Sandbox", "Twilio", "Voice", "Backoff", "DialerServices",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // A campaign as a person asks for it, checked the same way for the CLI and the API.
        .target(name: "Campaigns", dependencies: ["Store", "Salesforce", "Worker", "Voice"]),
        // The HTTP API on the admin listener: the code generated from openapi.yaml (committed;
        // ops/openapi regenerates it, and --check holds it to the document), API keys, problems.
        .target(
            name: "AdminAPI",
            dependencies: [
                "Store", "Campaigns", "Worker",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            exclude: ["openapi.yaml", "openapi-generator-config.yaml"]
        ),
        // The composition root: the typed configuration (`WorkerConfiguration`,
        // `ServeConfiguration`), read and checked once, and the factories that build the
        // worker's handlers and the webhook service from it, with the command-line options
        // both executables share. `dialer`, the lab, the demo and the tests build through it.
        .target(
            name: "DialerServices",
            dependencies: [
                "Queue", "Store", "Worker", "Webhooks", "Salesforce", "Twilio", "Voice", "AdminAPI", "Console", "CallTrace",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "OTel", package: "swift-otel"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                // A worker's own /metrics.
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        // What an operator deploys, and nothing else: no Sandbox, no Demo, no fault switches.
        .executableTarget(
            name: "Dialer",
            dependencies: [
                "Queue", "Store", "Worker", "Webhooks", "Salesforce", "Twilio", "Voice", "DialerServices", "Campaigns",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The conversation's hot path measured with instant stand-ins for the three services:
        // `dialer-lab bench media` and the media tests use them; no production target does.
        .target(name: "VoiceBenchmark", dependencies: ["Voice"]),
        // `dialer-lab`: demo, bench, chaos and the sandboxed processes; it runs `dialer` as
        // child processes and breaks them from outside.
        .executableTarget(
            name: "DialerLab",
            dependencies: [
                "Queue", "Store", "Worker", "Webhooks", "Salesforce", "Sandbox", "Twilio", "Voice", "Demo", "DialerServices", "VoiceBenchmark",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Test support shared by every test target: a fresh migrated database per suite.
        .target(
            name: "TestSupport",
            dependencies: [
                "Queue", "Store", "Salesforce", "Sandbox", "Twilio", "Worker", "Webhooks", "Voice", "VoiceBenchmark", "DialerServices", "Demo",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Tests/TestSupport"
        ),
        // A worker process the tests can SIGKILL or SIGTERM mid-job.
        .executableTarget(
            name: "QueueProbeWorker",
            dependencies: [
                "Queue", "Store", "Worker",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/QueueProbeWorker"
        ),
        // The queue's suites: enqueue, lifecycle, maintenance, the runner, the one entry point.
        .testTarget(name: "QueueTests", dependencies: ["Queue", "Store", "Backoff", "TestSupport", "QueueProbeWorker"]),
        .testTarget(name: "SalesforceTests", dependencies: ["Salesforce", "Sandbox", "TestSupport"]),
        .testTarget(name: "SandboxTests", dependencies: ["Sandbox", "Salesforce", "Twilio", "TestSupport"]),
        .testTarget(name: "TwilioTests", dependencies: ["Twilio", "Sandbox", "TestSupport"]),
        // No database: generated audio, espeak-ng and PocketSphinx, and loopback fakes of the
        // cloud services (Hummingbird) reached with AsyncHTTPClient; JWTKit verifies the
        // service-account assertion with the public key.
        .testTarget(
            name: "VoiceTests",
            dependencies: [
                "Voice", "VoiceBenchmark", "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The dialer command, run as a child process the way operators run it.
        // Both executables, run as child processes the way operators and the lab run them.
        .testTarget(
            name: "DialerTests",
            dependencies: [
                "Dialer", "DialerLab", "Store", "Salesforce", "Sandbox", "Twilio", "Voice", "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // The typed configuration: what is refused, and why.
        .testTarget(name: "DialerServicesTests", dependencies: ["DialerServices", "CallTrace", "Voice", "TestSupport"]),
        // "Dialer" here builds the binary MigrationTests runs as a child process (three
        // concurrent `dialer migrate`s); no test imports its code.
        .testTarget(name: "StoreTests", dependencies: ["Store", "Queue", "TestSupport", "Dialer"]),
        // The end-to-end test: a whole campaign through the real code paths, as `dialer demo` runs it.
        .testTarget(name: "DemoTests", dependencies: ["Demo", "Store", "Sandbox", "TestSupport"]),
        .testTarget(
            name: "WorkerTests",
            dependencies: [
                "Queue", "Store", "Worker", "Webhooks", "Salesforce", "Sandbox", "TestSupport", "Voice",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
            ]
        ),
        .testTarget(
            name: "AdminAPITests",
            dependencies: [
                "AdminAPI", "Store", "Worker", "TestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "WebhooksTests",
            dependencies: [
                "Webhooks", "TestSupport", "Store", "Twilio", "Sandbox", "Voice", "VoiceBenchmark",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "BackoffTests", dependencies: ["Backoff"]),
        // The console: sessions, CSRF, scopes, masking and the event stream over HTTP, and a
        // Sandbox campaign watched and paused in headless Chromium driven over the DevTools
        // protocol (DevToolsSession, in this target only).
        .testTarget(
            name: "ConsoleTests",
            dependencies: [
                "Console", "Store", "TestSupport", "Sandbox", "Voice", "Webhooks", "DialerServices",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
