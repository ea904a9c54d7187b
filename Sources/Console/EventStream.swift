import Foundation
import Hummingbird
import ServiceLifecycle

/// A live region's Server-Sent Events stream: the region's HTML as `event: fragment` each time
/// a notification that concerns it arrives, at most ``pushesPerSecond`` a second and only when
/// the HTML changed, and a comment every ``keepAlive`` so proxies and the browser know the
/// stream is alive. The stream ends after ``maxLifetime`` (the browser's EventSource opens a
/// new one by itself, `retry: 2000`), on graceful shutdown, and when the client goes.
struct EventStream {
    static let pushesPerSecond = 4
    static let keepAlive: Duration = .seconds(15)
    static let maxLifetime: Duration = .seconds(600)

    let view: LiveView
    let events: ConsoleEvents

    func response() -> Response {
        var headers = ConsoleResponses.securityHeaders()
        headers[.contentType] = "text/event-stream; charset=utf-8"
        // nginx and friends buffer responses unless told not to.
        headers[.init("X-Accel-Buffering")!] = "no"
        let view = self.view
        let events = self.events
        return Response(
            status: .ok,
            headers: headers,
            body: ResponseBody { writer in
                let (id, signal) = events.subscribe(view.wants)
                defer { events.unsubscribe(id) }
                try await writer.write(ByteBuffer(string: "retry: 2000\n\n"))
                try await withGracefulShutdownHandler {
                    let end = ContinuousClock.now + Self.maxLifetime
                    var last: String?
                    // The first push is what changed since the page was read.
                    var changed = true
                    while !signal.isFinished && ContinuousClock.now < end {
                        var settled = true
                        if changed {
                            // Nothing to show (gone, or the session is over): the stream ends.
                            guard let rendered = try await view.render() else { break }
                            settled = rendered.settled
                            if rendered.html != last {
                                try await writer.write(ByteBuffer(string: Self.event("fragment", rendered.html)))
                                last = rendered.html
                            }
                            // Notifications arriving meanwhile fold into the next look.
                            try await Task.sleep(for: .milliseconds(1000 / Self.pushesPerSecond))
                        } else {
                            try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                        }
                        // A region drawn from a progress being refreshed is looked at again.
                        changed = await signal.wait(upTo: settled ? Self.keepAlive : .zero) || !settled
                    }
                } onGracefulShutdown: {
                    signal.finish()
                }
                try await writer.finish(nil)
            }
        )
    }

    /// One event: each line of `data` on a `data:` line of its own, as the format wants.
    static func event(_ name: String, _ data: String) -> String {
        var text = "event: \(name)\n"
        // A carriage return would end a line too; the HTML needs none.
        for line in data.replacingOccurrences(of: "\r", with: "").split(separator: "\n", omittingEmptySubsequences: false) {
            text += "data: \(line)\n"
        }
        return text + "\n"
    }
}
