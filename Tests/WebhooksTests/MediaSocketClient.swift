import AsyncHTTPClient
import Foundation
import HTTPTypes
import HummingbirdWSClient
import NIOHTTP1
import TestSupport
import Twilio
import Webhooks

/// The media WebSocket from Twilio's side, for the suites that open it by hand: signed
/// connections, raw handshakes whose refusal can be read, and starts as Twilio sends them.
enum MediaSocketClient {
    static let streamPath = "/twilio/media"

    /// Lives as long as the test process: a refusal must be seen as it is, not followed.
    static let noRedirects = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))

    /// A handshake over plain HTTP, so that a refusal's status can be read.
    static func handshake(_ publicURL: String, signature: String?, method: HTTPMethod = .GET, extra: [(String, String)] = []) async throws -> Int {
        var request = HTTPClientRequest(url: publicURL + streamPath)
        request.method = method
        request.headers.add(name: "Connection", value: "Upgrade")
        request.headers.add(name: "Upgrade", value: "websocket")
        request.headers.add(name: "Sec-WebSocket-Version", value: "13")
        request.headers.add(name: "Sec-WebSocket-Key", value: "dGhlIHNhbXBsZSBub25jZQ==")
        if let signature { request.headers.add(name: TwilioSignature.header, value: signature) }
        for (name, value) in extra { request.headers.add(name: name, value: value) }
        let response = try await noRedirects.execute(request, timeout: .seconds(5))
        return Int(response.status.code)
    }

    /// A signed WebSocket connection to the media route, as Twilio opens it.
    @discardableResult
    static func connect(
        _ publicURL: String,
        token: String,
        _ body: @escaping @Sendable (WebSocketInboundStream, WebSocketOutboundWriter) async throws -> Void
    ) async throws -> WebSocketCloseFrame? {
        let url = "ws" + publicURL.dropFirst("http".count) + streamPath
        var headers = HTTPFields()
        headers[.init(TwilioSignature.header)!] = TwilioSignature(authToken: token).signature(url: url)
        return try await WebSocketClient.connect(url: url, configuration: .init(additionalHeaders: headers), logger: TestDatabase.testLogger) {
            inbound,
            outbound,
            _ in
            try await body(inbound, outbound)
        }
    }

    /// The Sandbox harness's account: what a start must name.
    static let accountSID = SandboxHarness.accountSID

    /// A start as Twilio sends it for the TwiML of the call: with the call's token (computed
    /// with `token`, the Auth Token) unless `parameters` name one already.
    static func start(
        streamSID: String,
        callSID: String,
        parameters: [String: String],
        token: String? = SandboxHarness.authToken,
        accountSID: String = accountSID
    ) -> String {
        var parameters = parameters
        if let token, parameters[MediaStreamCredential.parameter] == nil, let attempt = parameters["attempt"].flatMap(UUID.init(uuidString:)) {
            parameters[MediaStreamCredential.parameter] = MediaStreamCredential(authToken: token).token(attemptID: attempt, callSID: callSID)
        }
        return MediaStreamMessage.start(
            .init(
                sequenceNumber: 1,
                streamSid: streamSID,
                accountSid: accountSID,
                callSid: callSID,
                tracks: ["inbound"],
                customParameters: parameters,
                mediaFormat: .init(encoding: "audio/x-mulaw", sampleRate: 8000, channels: 1)
            )
        ).json
    }

    /// One WebSocket connection, which must be over within 30 s whatever the server does: a
    /// guard against a hang, not a speed bound (CI's shared pass, 639 tests at once on two
    /// cores, once kept a whole opt-out conversation open past 10 s).
    @discardableResult
    static func connect(
        _ what: String,
        _ publicURL: String,
        token: String,
        _ body: @escaping @Sendable (WebSocketInboundStream, WebSocketOutboundWriter) async throws -> Void
    ) async throws -> WebSocketCloseFrame? {
        try await withThrowingTaskGroup(of: WebSocketCloseFrame?.self) { group in
            group.addTask { try await connect(publicURL, token: token, body) }
            group.addTask {
                try await Task.sleep(for: .seconds(30))
                throw TestSetupError("\(what): the connection was still open after 30 s")
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }
}
