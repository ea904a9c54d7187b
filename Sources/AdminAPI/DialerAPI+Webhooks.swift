import Foundation
import Store

/// `/v1/webhooks`: the endpoints events are delivered to, as `dialer webhook` manages them.
extension DialerAPI {
    func createWebhook(_ input: Operations.CreateWebhook.Input) async throws -> Operations.CreateWebhook.Output {
        guard case .json(let body) = input.body else { throw APIProblem.invalid("/", "send a JSON body") }
        let events = body.events.map(\.rawValue)
        let answer = try await idempotently(input.headers.idempotencyKey, key: try caller, operation: "createWebhook", request: body) { connection in
            do {
                let (endpoint, secret) = try await WebhookEndpointStore(database: database).add(
                    name: body.name,
                    url: body.url,
                    events: events,
                    on: connection
                )
                return try .init(status: 201, json: Components.Schemas.WebhookCreated(webhook: endpoint.api, secret: secret))
            } catch let error as WebhookEndpointError {
                throw Self.problem(error)
            }
        }
        return .created(.init(body: .json(try answer.decoded(Components.Schemas.WebhookCreated.self))))
    }

    func listWebhooks(_ input: Operations.ListWebhooks.Input) async throws -> Operations.ListWebhooks.Output {
        try await serving {
            .ok(.init(body: .json(.init(webhooks: try await WebhookEndpointStore(database: database).list().map(\.api)))))
        }
    }

    func deleteWebhook(_ input: Operations.DeleteWebhook.Input) async throws -> Operations.DeleteWebhook.Output {
        do {
            try await WebhookEndpointStore(database: database).remove(name: input.path.name)
            return .noContent(.init())
        } catch let error as WebhookEndpointError {
            throw Self.problem(error)
        } catch {
            throw ServiceFailure(underlying: error)
        }
    }

    func retryWebhookDeliveries(_ input: Operations.RetryWebhookDeliveries.Input) async throws -> Operations.RetryWebhookDeliveries.Output {
        guard case .json(let body) = input.body else { throw APIProblem.invalid("/", "send a JSON body") }
        let store = WebhookEndpointStore(database: database)
        do {
            if let name = body.endpoint { _ = try await store.endpoint(named: name) }
            return .ok(.init(body: .json(.init(requeued: try await store.retry(endpoint: body.endpoint, since: body.since)))))
        } catch let error as WebhookEndpointError {
            throw Self.problem(error)
        } catch {
            throw ServiceFailure(underlying: error)
        }
    }

    /// An endpoint refused or missing, as the client's problem.
    static func problem(_ error: WebhookEndpointError) -> APIProblem {
        switch error {
        case .notFound: .notFound("\(error)")
        case .nameTaken: .conflict("\(error)")
        default: .invalid("/\(error.field ?? "")", "\(error)")
        }
    }
}

extension WebhookEndpoint {
    /// The endpoint as the API's `Webhook` schema has it.
    var api: Components.Schemas.Webhook {
        .init(name: name, url: url, events: events.map(\.rawValue), createdAt: createdAt)
    }
}
