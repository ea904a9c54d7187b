import AsyncHTTPClient
import Foundation
import NIOCore

/// One HTTP POST and its whole answer, as every cloud adapter sends them: a body, a few
/// headers, one deadline for the lot (connecting, sending, and reading the answer).
struct JSONExchange: Sendable {
    let http: HTTPClient
    /// Cloud answers here are small (a transcript, a reply, a few seconds of audio); the cap
    /// only stops a broken server from filling memory.
    static let maximumAnswer = 16 << 20

    struct Answer: Sendable {
        var status: Int
        var body: Data
    }

    /// POSTs `body` to `url`. Throws on a transport failure or when `timeout` passes; any
    /// HTTP status is an answer for the caller to judge.
    func post(
        _ url: String,
        body: Data,
        contentType: String = "application/json",
        headers: [(String, String)] = [],
        timeout: Duration
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: contentType)
        request.headers.add(name: "Accept", value: "application/json")
        for (name, value) in headers {
            request.headers.add(name: name, value: value)
        }
        request.body = .bytes(ByteBuffer(bytes: body))
        // The deadline covers the whole exchange, the answer's body included: AsyncHTTPClient
        // fails a request still streaming when it passes.
        let response = try await http.execute(request, deadline: .now() + timeout.timeAmount)
        let collected = try await response.body.collect(upTo: Self.maximumAnswer)
        return Answer(status: Int(response.status.code), body: Data(collected.readableBytesView))
    }
}

extension Duration {
    /// The same span for NIO and AsyncHTTPClient.
    var timeAmount: TimeAmount {
        let (seconds, attoseconds) = components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
