import Queue

/// `deliver_webhook`: sends one event to one endpoint (DeliverWebhookHandler). Enqueued only in
/// SQL, by `dialer.publish_event`, in the transaction that records the event.
public struct DeliverWebhookArgs: JobArgs {
    public static let kind = "deliver_webhook"
    /// Standard Webhooks' schedule: at once, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h
    /// after each failure, about 28 hours in all; `dialer.publish_event` gives the same 8.
    public static let options = JobOptions(priority: 2, maxAttempts: 8)

    /// `dialer.webhook_events.id`, the webhook-id every attempt carries.
    public let eventID: String
    public let endpointID: Int64

    public init(eventID: String, endpointID: Int64) {
        self.eventID = eventID
        self.endpointID = endpointID
    }

    /// `webhook:<event>:<endpoint>`, as `dialer.webhook_delivery_key` makes it.
    public var uniqueKey: String? { "webhook:\(eventID):\(endpointID)" }
}
