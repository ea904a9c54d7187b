import Foundation
import Store

// The events helper's Store lands with these handlers: /v1/webhooks on WebhookEndpointStore.
extension DialerAPI {
    func createWebhook(_ input: Operations.CreateWebhook.Input) async throws -> Operations.CreateWebhook.Output {
        throw APIProblem(.notImplemented, detail: "webhook endpoints land with the events-out store")
    }

    func listWebhooks(_ input: Operations.ListWebhooks.Input) async throws -> Operations.ListWebhooks.Output {
        throw APIProblem(.notImplemented, detail: "webhook endpoints land with the events-out store")
    }

    func deleteWebhook(_ input: Operations.DeleteWebhook.Input) async throws -> Operations.DeleteWebhook.Output {
        throw APIProblem(.notImplemented, detail: "webhook endpoints land with the events-out store")
    }

    func retryWebhookDeliveries(_ input: Operations.RetryWebhookDeliveries.Input) async throws -> Operations.RetryWebhookDeliveries.Output {
        throw APIProblem(.notImplemented, detail: "webhook endpoints land with the events-out store")
    }
}
