import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization

/// A request the fake received, as the tests inspect it.
struct RecordedRequest: Sendable {
    var method: String
    var path: String
    /// Header names lower-cased.
    var headers: [String: String]
    var body: Data

    /// The body as a JSON object.
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:]
    }

    /// The body as `application/x-www-form-urlencoded` fields.
    var form: [String: String] {
        var fields: [String: String] = [:]
        for pair in String(decoding: body, as: UTF8.self).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
            fields[parts[0]] = parts.count > 1 ? parts[1] : ""
        }
        return fields
    }
}

/// What the fake answers.
struct FakeAnswer: Sendable {
    var status: Int = 200
    var body: String
    /// Waited before answering, for timeouts.
    var delay: Duration?

    static func json(_ object: Any, status: Int = 200) -> FakeAnswer {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return FakeAnswer(status: status, body: String(decoding: data, as: UTF8.self))
    }
}

/// Every request the fake received, in order.
final class RequestLog: Sendable {
    private let entries = Mutex<[RecordedRequest]>([])

    func append(_ request: RecordedRequest) {
        entries.withLock { $0.append(request) }
    }

    var all: [RecordedRequest] { entries.withLock { $0 } }

    func requests(to path: String) -> [RecordedRequest] { all.filter { $0.path == path } }
}

/// Runs a loopback HTTP server (127.0.0.1, a free port) that records every request and
/// answers with `handler`, for `body`, which gets its base URL (`http://127.0.0.1:PORT`).
/// The cloud adapters under test talk to it and nothing else.
func withFakeCloudServer<Result: Sendable>(
    _ handler: @escaping @Sendable (RecordedRequest) async -> FakeAnswer,
    _ body: @Sendable (String, RequestLog) async throws -> Result
) async throws -> Result {
    let log = RequestLog()
    let router = Router()
    router.on("**", method: .post) { request, context -> Response in
        var request = request
        let bytes = try await request.collectBody(upTo: 16 << 20)
        var headers: [String: String] = [:]
        for field in request.headers {
            headers[field.name.canonicalName] = field.value
        }
        let recorded = RecordedRequest(method: "\(request.method)", path: request.uri.path, headers: headers, body: Data(buffer: bytes))
        log.append(recorded)
        let answer = await handler(recorded)
        if let delay = answer.delay {
            try? await Task.sleep(for: delay)
        }
        return Response(
            status: .init(code: answer.status),
            headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: answer.body))
        )
    }
    var logger = Logger(label: "voice.test.fake")
    logger.logLevel = .critical
    let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: logger)
    return try await app.test(.live) { client in
        guard let port = client.port else { throw FakeServerError() }
        return try await body("http://127.0.0.1:\(port)", log)
    }
}

struct FakeServerError: Error {}

/// A logger whose every message and metadata value the test can read afterwards.
final class CapturedLogs: Sendable {
    private let lines = Mutex<[String]>([])

    var all: [String] { lines.withLock { $0 } }

    func logger() -> Logger {
        var logger = Logger(label: "voice.test") { _ in CapturingHandler(logs: self) }
        logger.logLevel = .trace
        return logger
    }

    fileprivate func append(_ line: String) {
        lines.withLock { $0.append(line) }
    }
}

private struct CapturingHandler: LogHandler {
    let logs: CapturedLogs
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        logs.append("\(event.level) \(event.message) \(merged.map { "\($0)=\($1)" }.sorted().joined(separator: " "))")
    }
}
