/// How long the public listener waits on a peer before it closes the connection.
///
/// Without these, a connection that sends half its headers, or declares a body and sends
/// ten bytes of it, is held for ever: a few thousand such peers hold every descriptor the
/// service has. Twilio sends a whole request at once, so the bounds can be tight.
/// - ``header``: a new connection's request head must be complete within this;
/// - ``body``: once the head is in, the whole body must be, within this (a status callback
///   is under 2 KiB, and the limit is 64 KiB);
/// - ``idle``: between requests, a kept-alive connection must complete its next head
///   within this, or it is closed. Longer than the 60 s common clients keep an idle
///   connection, so that they close first: a request sent just as we close would fail.
/// The time the service takes to answer is not bounded here: that is the route's business.
/// A WebSocket upgrade leaves these behind; ``MediaStreamLimits`` bound the stream instead.
public struct ServerTimeouts: Sendable, Equatable {
    public var header: Duration
    public var body: Duration
    public var idle: Duration

    public init(header: Duration = .seconds(10), body: Duration = .seconds(10), idle: Duration = .seconds(75)) {
        self.header = header
        self.body = body
        self.idle = idle
    }
}
