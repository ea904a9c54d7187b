import AsyncHTTPClient
import Foundation
import HummingbirdWSClient
import TestSupport
import Testing
import Twilio
import Voice
import Webhooks

#if canImport(Glibc)
import Glibc
import VoiceBenchmark
#endif

/// Peers that hold a connection without finishing what they started: half a request head,
/// a declared body that never comes (or comes a byte at a time), a kept-alive connection left
/// idle, a signed media socket that never sends `start` or sends everything but. Each is cut
/// off within its bound, and the service answers as before. The bounds here are a second
/// (`dialer serve` takes them as flags); the checks allow four, for a loaded machine.
@Suite(.runsAlone("timing: one-second cut-offs and an honest client 300 ms between halves of its head")) struct SlowPeerTests {
    static let timeouts = ServerTimeouts(header: .seconds(1), body: .seconds(1), idle: .seconds(1))
    static let limits = MediaStreamLimits(startTimeout: .seconds(1))
    static let bound = Duration.seconds(4)

    /// The value of one sample line (`name{labels} value`), nil when the series is absent.
    static func sample(_ text: String, _ series: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last!) }
    }

    @Test func slowRequestsAreCutOffAndTheServiceStillAnswers() async throws {
        try await Dialing.with(contacts: 0) { dialing in
            try await LiveWebhooks.withWebhookService(
                dialing,
                voice: ConversationBenchmark.standIns,
                timeouts: Self.timeouts,
                limits: Self.limits
            ) { service in
                // Half a head.
                let halfHead = try RawConnection(port: service.port)
                halfHead.send("POST /twilio/status HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-")
                let headCut = await halfHead.waitForClose(within: Self.bound)
                #expect(headCut.closedAfter != nil, "half a request head was held open")

                // A body declared and 10 bytes of it sent.
                let partialBody = try RawConnection(port: service.port)
                partialBody.send(
                    "POST /twilio/status HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nCallSid=CA"
                )
                let bodyCut = await partialBody.waitForClose(within: Self.bound)
                #expect(bodyCut.closedAfter != nil, "a partial body was held open")

                // A body trickled a byte every 200 ms: each byte arrives well within any idle
                // timeout, the whole body never within the body timeout.
                let trickle = try RawConnection(port: service.port)
                trickle.send(
                    "POST /twilio/status HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n"
                )
                let dripping = Task {
                    for _ in 0..<40 where !Task.isCancelled {
                        trickle.send("a")
                        try? await Task.sleep(for: .milliseconds(200))
                    }
                }
                let trickleCut = await trickle.waitForClose(within: Self.bound)
                dripping.cancel()
                #expect(trickleCut.closedAfter != nil, "a trickled body was held open")

                // A kept-alive connection: its request is answered, then, idle, it is closed.
                let keptAlive = try RawConnection(port: service.port)
                keptAlive.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                let idle = await keptAlive.waitForClose(within: Self.bound)
                #expect(idle.received.hasPrefix("HTTP/1.1 200"), "\(idle.received)")
                #expect(idle.closedAfter != nil, "an idle kept-alive connection was held open")

                // A slow but honest client: its head in two pieces, 300 ms apart, is answered.
                let honest = try RawConnection(port: service.port)
                honest.send("GET /healthz HTTP/1.1\r\nHost: 127.0.")
                try await Task.sleep(for: .milliseconds(300))
                honest.send("0.1\r\nConnection: close\r\n\r\n")
                let answered = await honest.waitForClose(within: Self.bound)
                #expect(answered.received.hasPrefix("HTTP/1.1 200"), "\(answered.received)")

                let health = try await HTTPClient.shared.execute(HTTPClientRequest(url: service.publicURL + "/healthz"), timeout: .seconds(5))
                #expect(health.status == .ok)
                let metrics = try await LiveWebhooks.scrape(service)
                #expect(Self.sample(metrics, #"dialer_http_connection_timeouts_total{waiting_for="header"}"#) == 1, "\(metrics)")
                #expect(Self.sample(metrics, #"dialer_http_connection_timeouts_total{waiting_for="body"}"#) == 2)
                // The test's own HTTP client keeps its connections alive too: at least ours.
                #expect((Self.sample(metrics, #"dialer_http_connection_timeouts_total{waiting_for="idle"}"#) ?? 0) >= 1)
            }
        }
    }

    @Test func aSignedMediaSocketWithoutAStartIsClosed() async throws {
        try await Dialing.with(contacts: 0) { dialing in
            try await LiveWebhooks.withWebhookService(
                dialing,
                voice: ConversationBenchmark.standIns,
                timeouts: Self.timeouts,
                limits: Self.limits
            ) { service in
                let token = dialing.sandbox.configuration.authToken
                let connected = MediaStreamMessage.connected(.init(protocolName: "Call", version: "1.0.0")).json
                // Silent after `connected`, as a replayed handshake would be: closed at the start timeout.
                let began = ContinuousClock.now
                let silent = try await MediaSocketClient.connect("silent", service.publicURL, token: token) { inbound, outbound in
                    try await outbound.write(.text(connected))
                    for try await _ in inbound.messages(maxSize: 1 << 16) {}
                }
                #expect(silent?.closeCode == .policyViolation)
                #expect(silent?.reason == "no start in time", "\(String(describing: silent))")
                #expect(ContinuousClock.now - began < Self.bound)

                // Chatty without a start: closed after a handful of messages, well before the timeout.
                let mark = #"{"event":"mark","streamSid":"MZchatty","mark":{"name":"m"}}"#
                let chatty = try await MediaSocketClient.connect("chatty", service.publicURL, token: token) { inbound, outbound in
                    do {
                        try await outbound.write(.text(connected))
                        for _ in 0..<200 { try await outbound.write(.text(mark)) }
                    } catch {}  // closed by the server
                    for try await _ in inbound.messages(maxSize: 1 << 16) {}
                }
                #expect(chatty?.closeCode == .policyViolation)
                #expect(chatty?.reason == "too many messages before start", "\(String(describing: chatty))")

                // Neither wrote anything, and the service answers.
                #expect(try await dialing.db.scalar("SELECT count(*)::int FROM dialer.media_streams", as: Int.self) == 0)
                let health = try await HTTPClient.shared.execute(HTTPClientRequest(url: service.publicURL + "/healthz"), timeout: .seconds(5))
                #expect(health.status == .ok)
                let metrics = try await LiveWebhooks.scrape(service)
                #expect(Self.sample(metrics, "dialer_media_streams_open") == 0, "\(metrics)")
            }
        }
    }
}

/// A raw TCP connection to the service, for requests no HTTP client would send.
final class RawConnection: @unchecked Sendable {
    private let socket: Int32

    init(port: Int) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            Glibc.close(socket)
            throw TestSetupError("could not connect to 127.0.0.1:\(port): errno \(errno)")
        }
    }

    deinit { Glibc.close(socket) }

    /// Sends `text`; a connection the server closed is not an error here.
    func send(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Reads until the server closes the connection or `timeout` passes: how long it took
    /// (nil: still open) and what arrived meanwhile. Blocks a thread of its own, not the
    /// concurrency pool's.
    func waitForClose(within timeout: Duration) async -> (closedAfter: Duration?, received: String) {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: self.blockingWait(timeout)) }
        }
    }

    private func blockingWait(_ timeout: Duration) -> (closedAfter: Duration?, received: String) {
        let start = ContinuousClock.now
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let left = timeout - (ContinuousClock.now - start)
            guard left > .zero else { return (nil, String(decoding: received, as: UTF8.self)) }
            var poller = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, Int32(left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000))
            if ready <= 0 { continue }
            let count = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if count <= 0 { return (ContinuousClock.now - start, String(decoding: received, as: UTF8.self)) }
            received.append(contentsOf: buffer[0..<count])
        }
    }
}
