import Prometheus

/// What the media route measures: the cost of each inbound frame, how long callees wait
/// for the agent, malformed messages, failed speech or agent calls, streams open.
extension WebhookMetrics {
    static let frameBuckets: [Duration] = [
        .microseconds(20), .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500),
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(50),
    ]
    static let turnBuckets: [Duration] = [
        .milliseconds(500), .milliseconds(750), .seconds(1), .milliseconds(1250), .milliseconds(1500),
        .seconds(2), .seconds(3), .seconds(5), .seconds(10),
    ]

    /// The time one inbound media message took, from its text to the session having it.
    public func mediaFrame(_ duration: Duration) {
        mediaObserver?.frame(duration)
        registry.makeDurationHistogram(descriptor: Self.frameDuration, labels: [], buckets: Self.frameBuckets).record(duration)
    }

    /// From the end of the callee's speech to the agent's first audio.
    public func turnLatency(_ latency: Duration) {
        mediaObserver?.turn(latency)
        registry.makeDurationHistogram(descriptor: Self.turnLatencyDescriptor, labels: [], buckets: Self.turnBuckets).record(latency)
    }

    /// A message on a media stream that was not a Media Streams message; it was skipped.
    public func malformedMediaMessage() {
        registry.makeCounter(descriptor: Self.malformed, labels: []).increment()
    }

    /// A speech-to-text, agent or text-to-speech call that failed during a conversation.
    public func conversationFailure(stage: String) {
        registry.makeCounter(descriptor: Self.failures, labels: [("stage", stage)]).increment()
    }

    /// A media stream opened (+1) or closed (-1).
    public func mediaStreamsOpen(_ change: Int) {
        registry.makeGauge(descriptor: Self.streamsOpen, labels: []).increment(by: Double(change))
    }

    static var frameDuration: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "dialer",
            metricName: "media_frame_processing",
            unitName: "seconds",
            helpText: "Time to decode one inbound Media Streams message and hand it to its conversation."
        )
    }
    static var turnLatencyDescriptor: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "dialer",
            metricName: "media_turn_latency",
            unitName: "seconds",
            helpText: "From the end of the callee's speech to the agent's first audio (end-of-turn silence included)."
        )
    }
    static var malformed: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "dialer",
            metricName: "media_malformed_messages",
            unitName: "total",
            helpText: "Media stream messages that could not be decoded; each was skipped."
        )
    }
    static var failures: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "dialer",
            metricName: "media_conversation_failures",
            unitName: "total",
            helpText: "Speech-to-text, agent or text-to-speech calls that failed, by stage."
        )
    }
    static var streamsOpen: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "dialer",
            metricName: "media_streams_open",
            helpText: "Media streams open now."
        )
    }
}

/// Told each media measurement as ``WebhookMetrics`` records it.
public protocol MediaObserver: Sendable {
    /// One inbound media message's cost, from its text to the session having it.
    func frame(_ duration: Duration)
    /// From the end of the callee's speech to the agent's first audio.
    func turn(_ latency: Duration)
}
