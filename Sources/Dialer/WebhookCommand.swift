import ArgumentParser
import DialerServices
import Foundation
import Store

/// `dialer webhook`: the endpoints events are sent to, their deliveries, and the retry.
struct WebhookCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhook",
        abstract: "Send events (call.ended, campaign.completed) to your own HTTPS endpoints.",
        discussion: """
            Each event is POSTed as JSON ({"type", "timestamp", "data"}) to every endpoint that \
            receives its type, signed as Standard Webhooks sign it: headers webhook-id (the \
            same on every attempt: drop duplicates by it), webhook-timestamp and \
            webhook-signature (v1,<base64 HMAC-SHA256 of id.timestamp.body>, keyed with the \
            endpoint's secret). A 2xx answer within 15 s delivers it; otherwise it is tried \
            again after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h, then listed as failed \
            (SQL: dialer.webhook_delivery_failures) for `dialer webhook retry`. Events are \
            sent at least once, and only while an endpoint receives them.

            Examples:
              dialer webhook add --name crm --url https://crm.example.com/hooks --events call.ended,campaign.completed
              dialer webhook list
              dialer webhook deliveries --failed
              dialer webhook retry --endpoint crm --since 2h
              dialer webhook remove crm
            """,
        subcommands: [Add.self, List.self, Remove.self, Disable.self, Enable.self, Deliveries.self, Retry.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add an endpoint; prints its signing secret, once.",
            discussion: """
                Events: \(WebhookEventType.names). The secret (whsec_…) is what the receiver \
                verifies signatures with; store it now, it is not shown again (remove the \
                endpoint and add it again for a new one).

                Example:
                  dialer webhook add --name crm --url https://crm.example.com/hooks --events call.ended,campaign.completed
                """
        )
        @OptionGroup var database: DatabaseOptions
        @Option(help: "A name for the endpoint: letters, digits, '.', '_' or '-'.") var name: String
        @Option(help: "Where events are POSTed: an absolute http or https URL.") var url: String
        @Option(help: "The event types it receives, comma-separated: \(WebhookEventType.names).") var events: String

        func validate() throws {
            do {
                try WebhookEndpoint.validate(name: name)
                try WebhookEndpoint.validate(url: url)
                _ = try WebhookEndpoint.validate(events: events.split(separator: ",").map(String.init))
            } catch {
                throw ValidationError("\(error)")
            }
        }

        func run() async throws {
            let (name, url, events) = (name, url, events.split(separator: ",").map(String.init))
            try await Database.run(url: try database.url(), maxConnections: 1, logger: database.logger("dialer.webhook")) { db in
                do {
                    let (endpoint, secret) = try await WebhookEndpointStore(database: db).add(name: name, url: url, events: events)
                    print("added webhook endpoint \(endpoint.name): \(endpoint.url) (\(endpoint.events.map(\.rawValue).joined(separator: ", ")))")
                    print("secret: \(secret)")
                    print("Store the secret now: it is not shown again.")
                } catch let error as WebhookEndpointError {
                    throw CommandFailure("dialer webhook add: \(error)")
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every endpoint: name, URL, events, whether it is enabled (never the secret).",
            discussion: "Example:\n  dialer webhook list"
        )
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            try await Database.run(url: try database.url(), maxConnections: 1, logger: database.logger("dialer.webhook")) { db in
                let endpoints = try await WebhookEndpointStore(database: db).list()
                guard !endpoints.isEmpty else { return print("no webhook endpoints (add one with dialer webhook add)") }
                let stamp = ISO8601DateFormatter()
                print(
                    Table(
                        header: ["name", "url", "events", "state", "created_at"],
                        rows: endpoints.map {
                            [
                                $0.name, $0.url, $0.events.map(\.rawValue).joined(separator: ","), $0.disabledAt == nil ? "enabled" : "disabled",
                                stamp.string(from: $0.createdAt),
                            ]
                        }
                    ).render()
                )
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove an endpoint; its queued deliveries are cancelled.",
            discussion: "Example:\n  dialer webhook remove crm"
        )
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The endpoint's name.") var name: String

        func run() async throws {
            let name = name
            try await Database.run(url: try database.url(), maxConnections: 1, logger: database.logger("dialer.webhook")) { db in
                do {
                    try await WebhookEndpointStore(database: db).remove(name: name)
                    print("removed webhook endpoint \(name)")
                } catch let error as WebhookEndpointError {
                    throw CommandFailure("dialer webhook remove: \(error)")
                }
            }
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop sending to an endpoint for now; its queued deliveries are cancelled as they come up.",
            discussion: "Example:\n  dialer webhook disable crm"
        )
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The endpoint's name.") var name: String

        func run() async throws { try await setEnabled(false, name: name, database: database) }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send to a disabled endpoint again, from the next event on.",
            discussion: "Example:\n  dialer webhook enable crm"
        )
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The endpoint's name.") var name: String

        func run() async throws { try await setEnabled(true, name: name, database: database) }
    }

    static func setEnabled(_ enabled: Bool, name: String, database: DatabaseOptions) async throws {
        try await Database.run(url: try database.url(), maxConnections: 1, logger: database.logger("dialer.webhook")) { db in
            do {
                try await WebhookEndpointStore(database: db).setEnabled(name: name, enabled)
                print("\(enabled ? "enabled" : "disabled") webhook endpoint \(name)")
            } catch let error as WebhookEndpointError {
                throw CommandFailure("dialer webhook \(enabled ? "enable" : "disable"): \(error)")
            }
        }
    }

    struct Deliveries: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The latest deliveries and where they stand (the dialer.webhook_deliveries view).",
            discussion: """
                States: pending, delivering, retrying (failed, will be tried again), delivered, \
                failed (out of attempts), cancelled (endpoint removed or disabled).

                Examples:
                  dialer webhook deliveries
                  dialer webhook deliveries --endpoint crm --failed --limit 20
                """
        )
        @OptionGroup var database: DatabaseOptions
        @Option(help: "Only this endpoint's deliveries (by name).") var endpoint: String?
        @Flag(help: "Only failed ones: retrying after an error, or out of attempts.") var failed = false
        @Option(help: "At most this many, latest first.") var limit = 50

        func run() async throws {
            let (endpoint, failed, limit) = (endpoint, failed, limit)
            try await Database.run(url: try database.url(), maxConnections: 1, logger: database.logger("dialer.webhook")) { db in
                let deliveries: [WebhookDelivery]
                do {
                    deliveries = try await WebhookEndpointStore(database: db).deliveries(endpoint: endpoint, failedOnly: failed, limit: limit)
                } catch let error as WebhookEndpointError {
                    throw CommandFailure("dialer webhook deliveries: \(error)")
                }
                guard !deliveries.isEmpty else { return print(failed ? "no failed deliveries" : "no deliveries") }
                let stamp = ISO8601DateFormatter()
                print(
                    Table(
                        header: ["job", "endpoint", "event", "event_id", "state", "attempts", "last_error", "next_attempt_at"],
                        rows: deliveries.map {
                            [
                                "\($0.jobID)", $0.endpoint ?? "(removed)", $0.eventType ?? "-", $0.eventID ?? "-", $0.state.rawValue,
                                "\($0.attempts)/\($0.maxAttempts)", $0.lastError ?? "", $0.nextAttemptAt.map(stamp.string(from:)) ?? "",
                            ]
                        }
                    ).render()
                )
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send failed deliveries again now (dialer.retry_webhook_deliveries); filters combine.",
            discussion: """
                Deliveries out of attempts get one more; those waiting to retry go at once. \
                With no filter, every failed delivery. The same from SQL: \
                SELECT dialer.retry_webhook_deliveries(p_since => now() - interval '2 hours').

                Examples:
                  dialer webhook retry --endpoint crm
                  dialer webhook retry --since 2h
                  dialer webhook retry --since 2026-12-01T09:00:00Z
                """
        )
        @OptionGroup var database: DatabaseOptions
        @Option(help: "Only this endpoint's deliveries (by name).") var endpoint: String?
        @Option(help: "Only deliveries last tried this recently: 30m, 2h, 1d, or an ISO 8601 time.") var since: String?

        func validate() throws {
            if let since { _ = try Self.parseSince(since, now: Date()) }
        }

        /// `30m`, `2h`, `1d`, `90s` back from now, or an ISO 8601 time.
        static func parseSince(_ text: String, now: Date) throws -> Date {
            if let date = ISO8601DateFormatter().date(from: text) { return date }
            let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
            if let unit = text.last.flatMap({ units[$0] }), let amount = Double(text.dropLast()), amount >= 0 {
                return now.addingTimeInterval(-amount * unit)
            }
            throw ValidationError("--since must be a span such as 30m, 2h or 1d, or an ISO 8601 time such as 2026-12-01T09:00:00Z, not \(text)")
        }

        func run() async throws {
            let endpoint = endpoint
            let since = try since.map { try Self.parseSince($0, now: Date()) }
            try await Database.run(url: try database.url(), maxConnections: 1, logger: database.logger("dialer.webhook")) { db in
                do {
                    let count = try await WebhookEndpointStore(database: db).retry(endpoint: endpoint, since: since)
                    print(count == 0 ? "no failed deliveries matched" : "re-queued \(count) \(count == 1 ? "delivery" : "deliveries")")
                } catch let error as WebhookEndpointError {
                    throw CommandFailure("dialer webhook retry: \(error)")
                }
            }
        }
    }
}
