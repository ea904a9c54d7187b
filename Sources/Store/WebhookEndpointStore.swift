import Foundation
import Logging
import PostgresNIO

/// `dialer.webhook_endpoints`: what `dialer webhook` (and the API's `/v1/webhooks`) adds,
/// lists and removes. The secret leaves this store once, from `add`.
public struct WebhookEndpointStore: Sendable {
    public let database: Database

    public init(database: Database) {
        self.database = database
    }

    var logger: Logger { database.logger }

    /// Adds an endpoint receiving `events` at `url`, with a new secret (`whsec_` and 24 random
    /// bytes in base64, as Standard Webhooks' libraries take it). Returns the endpoint and the
    /// secret, which no later call shows again. Throws `WebhookEndpointError` for a bad name,
    /// URL or event, or a name in use.
    public func add(name: String, url: String, events: [String]) async throws -> (endpoint: WebhookEndpoint, secret: String) {
        try await database.client.withConnection { try await add(name: name, url: url, events: events, on: $0) }
    }

    /// `add` on `connection`, inside the caller's transaction (the API's idempotent create
    /// holds one): a taken name is found without aborting it.
    public func add(
        name: String,
        url: String,
        events: [String],
        on connection: PostgresConnection
    ) async throws -> (
        endpoint: WebhookEndpoint, secret: String
    ) {
        try WebhookEndpoint.validate(name: name)
        try WebhookEndpoint.validate(url: url)
        let types = try WebhookEndpoint.validate(events: events).map(\.rawValue)
        let secret = Self.newSecret()
        let rows = try await connection.query(
            """
            INSERT INTO dialer.webhook_endpoints (name, url, events, secret)
            VALUES (\(name), \(url), \(types)::text[], \(secret))
            ON CONFLICT (name) DO NOTHING
            RETURNING \(unescaped: Self.columns)
            """,
            logger: logger
        )
        for try await row in rows.decode(Self.Row.self) { return (Self.endpoint(row), secret) }
        throw WebhookEndpointError.nameTaken(name)
    }

    /// Every endpoint, by name; no secrets.
    public func list() async throws -> [WebhookEndpoint] {
        let rows = try await database.client.query(
            "SELECT \(unescaped: Self.columns) FROM dialer.webhook_endpoints ORDER BY name",
            logger: logger
        )
        var endpoints: [WebhookEndpoint] = []
        for try await row in rows.decode(Self.Row.self) { endpoints.append(Self.endpoint(row)) }
        return endpoints
    }

    /// One endpoint by name; `WebhookEndpointError.notFound` when there is none.
    public func endpoint(named name: String) async throws -> WebhookEndpoint {
        let rows = try await database.client.query(
            "SELECT \(unescaped: Self.columns) FROM dialer.webhook_endpoints WHERE name = \(name)",
            logger: logger
        )
        for try await row in rows.decode(Self.Row.self) { return Self.endpoint(row) }
        throw WebhookEndpointError.notFound(name)
    }

    /// Removes an endpoint and cancels its deliveries still queued (one running now finishes,
    /// and its retries find no endpoint and are cancelled). Failed deliveries stay listed
    /// until the queue prunes them. `WebhookEndpointError.notFound` when there is none.
    public func remove(name: String) async throws {
        let removed = try await database.client.withTransaction(logger: logger) { connection in
            let rows = try await connection.query(
                "DELETE FROM dialer.webhook_endpoints WHERE name = \(name) RETURNING id",
                logger: logger
            )
            var id: Int64?
            for try await value in rows.decode(Int64.self) { id = value }
            guard let id else { return false }
            try await connection.query(
                """
                UPDATE dialer.jobs SET state = 'cancelled', finalized_at = now(),
                    errors = errors || jsonb_build_array(jsonb_build_object('at', now(), 'attempt', attempt, 'kind', 'cancelled',
                                                                            'message', 'endpoint ' || \(name) || ' removed'))
                WHERE kind = \(DeliverWebhookArgs.kind) AND (args ->> 'endpointID')::bigint = \(id) AND state IN ('available', 'retryable')
                """,
                logger: logger
            )
            return true
        }
        guard removed else { throw WebhookEndpointError.notFound(name) }
    }

    /// Disables an endpoint (nothing new is sent to it; its queued deliveries are cancelled as
    /// they come up) or enables it again. Returns the endpoint as it now is.
    @discardableResult
    public func setEnabled(name: String, _ enabled: Bool) async throws -> WebhookEndpoint {
        let rows = try await database.client.query(
            """
            UPDATE dialer.webhook_endpoints
            SET disabled_at = CASE WHEN \(enabled) THEN NULL ELSE coalesce(disabled_at, now()) END
            WHERE name = \(name)
            RETURNING \(unescaped: Self.columns)
            """,
            logger: logger
        )
        for try await row in rows.decode(Self.Row.self) { return Self.endpoint(row) }
        throw WebhookEndpointError.notFound(name)
    }

    /// `whsec_` and 24 bytes from the system's secure generator, in base64.
    static func newSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<24).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return "whsec_" + Data(bytes).base64EncodedString()
    }

    static let columns = "id, name, url, events, created_at, disabled_at"
    typealias Row = (Int64, String, String, [String], Date, Date?)

    static func endpoint(_ row: Row) -> WebhookEndpoint {
        let (id, name, url, events, created, disabled) = row
        return WebhookEndpoint(
            id: id,
            name: name,
            url: url,
            events: events.compactMap(WebhookEventType.init(rawValue:)),
            createdAt: created,
            disabledAt: disabled
        )
    }
}
