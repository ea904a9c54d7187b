import AsyncHTTPClient
import Foundation
import HummingbirdWSClient
import TestSupport

/// Headless Chromium, driven over the Chrome DevTools Protocol on a WebSocket, for the
/// console's browser test. Test-only: the shipped binary carries nothing of it.
struct Chromium: Sendable {
    let port: Int

    /// Starts Chromium with a throwaway profile, runs `body`, and stops it.
    static func with(_ body: @Sendable (Chromium) async throws -> Void) async throws {
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("dialer-chromium-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: profile, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/chromium")
        process.arguments = [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
            "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1", "--remote-allow-origins=*", "--user-data-dir=\(profile.path)",
            "about:blank",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            process.terminate()
            process.waitUntilExit()
            try? FileManager.default.removeItem(at: profile)
        }
        // Chromium writes the port it chose into the profile once it listens.
        let portFile = profile.appendingPathComponent("DevToolsActivePort")
        var port: Int?
        _ = await eventually(timeout: .seconds(30), every: .milliseconds(100)) {
            port = (try? String(contentsOf: portFile, encoding: .utf8))?.split(separator: "\n").first.flatMap { Int($0) }
            return port != nil
        }
        guard let port else { throw TestSetupError("chromium did not open its DevTools port") }
        try await body(Chromium(port: port))
    }

    /// Attaches to the browser's page and runs `body` with it.
    func withPage(_ body: @escaping @Sendable (DevToolsPage) async throws -> Void) async throws {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/json/list"), timeout: .seconds(10))
        let data = Data(buffer: try await response.body.collect(upTo: 1 << 20))
        let targets = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] ?? []
        guard let url = targets.first(where: { $0["type"] as? String == "page" })?["webSocketDebuggerUrl"] as? String else {
            throw TestSetupError("chromium has no page to attach to: \(String(decoding: data, as: UTF8.self))")
        }
        // Screenshots come back as one large text frame.
        try await WebSocketClient.connect(url: url, configuration: .init(maxFrameSize: 1 << 26), logger: TestDatabase.testLogger) {
            inbound,
            outbound,
            _ in
            let page = DevToolsPage(messages: inbound.messages(maxSize: 1 << 26).makeAsyncIterator(), outbound: outbound)
            try await body(page)
            try await outbound.close(.normalClosure, reason: nil)
        }
    }
}

/// One page target: commands sent one at a time, each answered by the message with its id
/// (events in between are skipped).
final class DevToolsPage: @unchecked Sendable {
    private var messages: WebSocketInboundMessageStream.AsyncIterator
    private let outbound: WebSocketOutboundWriter
    private var nextID = 0

    init(messages: WebSocketInboundMessageStream.AsyncIterator, outbound: WebSocketOutboundWriter) {
        self.messages = messages
        self.outbound = outbound
    }

    @discardableResult
    func send(_ method: String, _ params: [String: Any] = [:]) async throws -> [String: Any] {
        nextID += 1
        let id = nextID
        let command = try JSONSerialization.data(withJSONObject: ["id": id, "method": method, "params": params])
        try await outbound.write(.text(String(decoding: command, as: UTF8.self)))
        while let message = try await messages.next() {
            guard case .text(let text) = message,
                let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                object["id"] as? Int == id
            else { continue }
            if let error = object["error"] { throw TestSetupError("\(method) failed: \(error)") }
            return object["result"] as? [String: Any] ?? [:]
        }
        throw TestSetupError("the DevTools socket closed during \(method)")
    }

    /// The value of a JavaScript expression (awaited when it is a promise).
    func evaluate(_ expression: String) async throws -> Any? {
        let result = try await send("Runtime.evaluate", ["expression": expression, "returnByValue": true, "awaitPromise": true])
        if let exception = result["exceptionDetails"] { throw TestSetupError("\(expression) threw: \(exception)") }
        return (result["result"] as? [String: Any])?["value"]
    }

    /// Loads `url` and waits for the document to be complete.
    func navigate(_ url: String) async throws {
        try await send("Page.navigate", ["url": url])
        let loaded = try await waitFor("document.readyState === 'complete' && location.href === \(Self.quoted(url))")
        if !loaded { throw TestSetupError("\(url) did not load") }
    }

    /// Polls a JavaScript condition until it is true or `timeout` passes.
    func waitFor(_ condition: String, timeout: Duration = .seconds(30)) async throws -> Bool {
        try await eventually(timeout: timeout, every: .milliseconds(100)) { try await evaluate(condition) as? Bool == true }
    }

    /// The text of the first element `selector` finds, trimmed; nil when there is none.
    func text(_ selector: String) async throws -> String? {
        try await evaluate("document.querySelector(\(Self.quoted(selector)))?.textContent.trim() ?? null") as? String
    }

    func location() async throws -> String? { try await evaluate("location.href") as? String }

    /// A PNG of the page at this size (`mobile`: a phone's viewport, as its browser lays out).
    func screenshot(width: Int, height: Int, mobile: Bool = false) async throws -> Data {
        try await send("Emulation.setDeviceMetricsOverride", ["width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile])
        let result = try await send("Page.captureScreenshot", ["format": "png"])
        guard let data = (result["data"] as? String).flatMap({ Data(base64Encoded: $0) }) else { throw TestSetupError("no screenshot") }
        return data
    }

    /// A JavaScript string literal.
    static func quoted(_ text: String) -> String {
        let data = try? JSONSerialization.data(withJSONObject: [text])
        return data.map { String(decoding: $0, as: UTF8.self).dropFirst().dropLast() }.map(String.init) ?? "''"
    }
}
