import Prometheus

/// What the listener measures below the routes: connections closed for a slow peer.
extension WebhookMetrics {
    /// A connection closed because its peer did not send a request head (`header`), a body
    /// (`body`), or a next request (`idle`) in time.
    public func connectionTimeout(waiting: String) {
        registry.makeCounter(descriptor: Self.connectionTimeouts, labels: [("waiting_for", waiting)]).increment()
    }

    static var connectionTimeouts: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "dialer",
            metricName: "http_connection_timeouts",
            unitName: "total",
            helpText: "Connections closed because the peer was too slow, by what the server was waiting for."
        )
    }
}

/// Requests the service gave up on (``AnswerDeadline``).
extension WebhookMetrics {
    /// A request answered 503 because its route had not answered within the limit.
    public func answerAbandoned() {
        registry.makeCounter(descriptor: Self.answersAbandoned, labels: []).increment()
    }

    static var answersAbandoned: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "dialer",
            metricName: "http_answers_abandoned",
            unitName: "total",
            helpText: "Requests answered 503 because the route had not answered in time (usually: Postgres did not answer)."
        )
    }
}
