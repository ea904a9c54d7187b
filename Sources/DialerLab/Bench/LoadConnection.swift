import DialerServices
import NIOCore
import NIOHTTP1
import NIOPosix

/// One keep-alive HTTP/1.1 connection to a loopback service, sending one request at a time:
/// the load generator of `dialer-lab bench webhooks`.
///
/// Plain SwiftNIO rather than AsyncHTTPClient: the generator shares the machine's two cores
/// with the service it measures, and a general client's pooling and redirect machinery cost
/// several times what the service spends answering.
final class LoadConnection {
    /// A request as bytes-ready parts.
    struct Request: Sendable {
        var method: HTTPMethod = .GET
        var path: String
        var headers: [(String, String)] = []
        var body: String = ""
    }

    /// Opens `connections` connections to 127.0.0.1:`port` and runs `body` on each, in parallel.
    static func withConnections<Result: Sendable>(
        _ connections: Int,
        port: Int,
        _ body: @escaping @Sendable (Int, LoadConnection) async throws -> Result
    ) async throws -> [Result] {
        try await withThrowingTaskGroup(of: Result.self) { group in
            for index in 0..<connections {
                let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .channelOption(.socketOption(.tcp_nodelay), value: 1)
                    .connect(host: "127.0.0.1", port: port) { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHTTPClientHandlers()
                            return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                        }
                    }
                group.addTask {
                    try await channel.executeThenClose { inbound, outbound in
                        try await body(index, LoadConnection(responses: inbound.makeAsyncIterator(), outbound: outbound))
                    }
                }
            }
            var results: [Result] = []
            for try await result in group { results.append(result) }
            return results
        }
    }

    var responses: NIOAsyncChannelInboundStream<HTTPClientResponsePart>.AsyncIterator
    let outbound: NIOAsyncChannelOutboundWriter<HTTPClientRequestPart>

    init(
        responses: NIOAsyncChannelInboundStream<HTTPClientResponsePart>.AsyncIterator,
        outbound: NIOAsyncChannelOutboundWriter<HTTPClientRequestPart>
    ) {
        self.responses = responses
        self.outbound = outbound
    }

    /// Sends `request` and returns the answer's status once its whole body has arrived.
    func send(_ request: Request) async throws -> UInt {
        var head = HTTPRequestHead(version: .http1_1, method: request.method, uri: request.path)
        head.headers.add(name: "Host", value: "127.0.0.1")
        for (name, value) in request.headers { head.headers.add(name: name, value: value) }
        head.headers.add(name: "Content-Length", value: String(request.body.utf8.count))
        try await outbound.write(contentsOf: [
            .head(head), .body(.byteBuffer(ByteBuffer(string: request.body))), .end(nil),
        ])
        var status: UInt = 0
        while let part = try await responses.next() {
            switch part {
            case .head(let response): status = response.status.code
            case .body: break
            case .end: return status
            }
        }
        throw LoadConnectionClosed()
    }
}

/// The service closed a connection in the middle of an answer.
struct LoadConnectionClosed: Error {}
