import Foundation
import PostgresNIO

/// One row of `dialer.webhook_deliveries`: one event on its way to one endpoint.
public struct WebhookDelivery: Sendable, Equatable, Codable {
    /// Where a delivery stands, in the operator's words (the job's state underneath).
    public enum State: String, Sendable, Codable, CaseIterable {
        case pending, delivering, retrying, delivered, failed, cancelled
    }

    public let jobID: Int64
    /// nil once the endpoint was removed.
    public let endpoint: String?
    public let eventID: String?
    public let eventType: String?
    public let state: State
    public let attempts: Int
    public let maxAttempts: Int
    /// The last failure: the receiver's status and the start of its answer, or why no answer came.
    public let lastError: String?
    public let lastAttemptAt: Date?
    public let nextAttemptAt: Date?
    public let eventCreatedAt: Date?
}

extension WebhookEndpointStore {
    /// The latest deliveries first, at most `limit` (1 to 1,000): all, or only `failedOnly` ones
    /// (retrying after an error, or out of attempts), of one endpoint (by name) or of all.
    /// `before` is a cursor: only deliveries older than that `jobID` (the last one of a page).
    public func deliveries(
        endpoint: String? = nil,
        failedOnly: Bool = false,
        limit: Int = 50,
        before: Int64? = nil
    ) async throws -> [WebhookDelivery] {
        let endpointID = try await id(of: endpoint)
        let rows = try await database.client.query(
            """
            SELECT d.job_id, d.endpoint, d.event_id, d.event_type, d.state, d.attempts, d.max_attempts, d.last_error,
                   d.last_attempt_at, d.next_attempt_at, d.event_created_at
            FROM dialer.webhook_deliveries AS d JOIN dialer.jobs AS j ON j.id = d.job_id
            WHERE (\(endpointID)::bigint IS NULL OR (j.args ->> 'endpointID')::bigint = \(endpointID)::bigint)
              AND (NOT \(failedOnly) OR d.state IN ('retrying', 'failed'))
              AND (\(before)::bigint IS NULL OR d.job_id < \(before)::bigint)
            ORDER BY d.job_id DESC
            LIMIT \(max(1, min(limit, 1000)))
            """,
            logger: logger
        )
        var deliveries: [WebhookDelivery] = []
        for try await (job, endpoint, event, type, state, attempts, maxAttempts, error, last, next, created)
            in rows.decode((Int64, String?, String?, String?, String, Int, Int, String?, Date?, Date?, Date?).self)
        {
            deliveries.append(
                WebhookDelivery(
                    jobID: job,
                    endpoint: endpoint,
                    eventID: event,
                    eventType: type,
                    state: WebhookDelivery.State(rawValue: state) ?? .pending,
                    attempts: attempts,
                    maxAttempts: maxAttempts,
                    lastError: error,
                    lastAttemptAt: last,
                    nextAttemptAt: next,
                    eventCreatedAt: created
                )
            )
        }
        return deliveries
    }

    /// Runs failed deliveries again now (`dialer.retry_webhook_deliveries`): those out of
    /// attempts, with one more, and those waiting to retry; of one endpoint (by name) or all,
    /// last tried at or after `since` when given. Returns how many; `WebhookEndpointError.notFound`
    /// for an endpoint that does not exist.
    public func retry(endpoint: String? = nil, since: Date? = nil) async throws -> Int {
        let endpointID = try await id(of: endpoint)
        let rows = try await database.client.query(
            "SELECT dialer.retry_webhook_deliveries(p_endpoint_id => \(endpointID), p_since => \(since))",
            logger: logger
        )
        for try await count in rows.decode(Int.self) { return count }
        return 0
    }

    /// The endpoint's id, nil for none named.
    func id(of name: String?) async throws -> Int64? {
        guard let name else { return nil }
        return try await endpoint(named: name).id
    }
}
