import Foundation
import Hummingbird
import HummingbirdWSClient
import Logging
import Synchronization
import Twilio

/// Opens a call's media stream as Twilio does for `<Connect><Stream>`: a WebSocket to the
/// TwiML's URL with a signed handshake, `connected`, `start` with the `<Parameter>`s, then
/// one inbound media frame every 20 ms in real time (the callee's script, spoken), while the
/// dialer's audio is played, its marks echoed and its `clear`s honoured; `stop` when the
/// callee hangs up. Only loopback URLs (or the run's own private hosts) are ever opened.
///
/// `SandboxTwilio` runs one per answered call; `dialer-lab bench media` runs hundreds at once.
public struct SandboxMediaStream: Sendable {
    let stream: ConnectStream
    let accountSID: String
    let authToken: String
    let callSID: String
    let script: CalleeScript
    let voice: CalleeVoice
    /// Polled every frame: the call was hung up through the REST API.
    let hungUp: @Sendable () -> Bool
    /// The URL the handshake is signed for, when it is not the one connected to (a public
    /// `wss://` URL in front of a loopback port, as behind a TLS proxy).
    let signedURL: String?
    /// Called once an answering machine's greeting has ended (its beep played), as Twilio's
    /// AMD with DetectMessageEnd reports it.
    let onGreetingEnd: (@Sendable () async -> Void)?
    /// The hosts a stream may be opened on (see `SandboxTwilio.Configuration.reachableHosts`).
    let reachableHosts: Set<String>
    let logger: Logger

    /// This machine's own names for itself.
    public static let loopbackHosts: Set<String> = ["127.0.0.1", "localhost", "::1", "[::1]"]

    public init(
        stream: ConnectStream,
        accountSID: String,
        authToken: String,
        callSID: String,
        script: CalleeScript,
        voice: CalleeVoice = .shared,
        hungUp: @escaping @Sendable () -> Bool = { Task.isCancelled },
        signedURL: String? = nil,
        onGreetingEnd: (@Sendable () async -> Void)? = nil,
        reachableHosts: Set<String> = SandboxMediaStream.loopbackHosts,
        logger: Logger
    ) {
        self.reachableHosts = reachableHosts
        self.signedURL = signedURL
        self.onGreetingEnd = onGreetingEnd
        self.stream = stream
        self.accountSID = accountSID
        self.authToken = authToken
        self.callSID = callSID
        self.script = script
        self.voice = voice
        self.hungUp = hungUp
        self.logger = logger
    }

    /// Runs the stream to its end; what it carried.
    public func run() async -> MediaSessionLog {
        let streamSID = "MZ" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        var log = MediaSessionLog(callSID: callSID, streamSID: streamSID, url: stream.url, customParameters: stream.parameters)
        guard let host = URL(string: stream.url)?.host, reachableHosts.contains(host) else {
            log.error = "not a loopback URL (nor one of the run's own hosts)"
            return log
        }
        let lineAudio: [[UInt8]]
        do {
            var audio: [[UInt8]] = []
            for line in script.lines { audio.append(try await voice.audio(line.text)) }
            lineAudio = audio
        } catch {
            log.error = "espeak-ng: \(error)"
            return log
        }
        let state = StreamState(CalleeConversation(script: script, lineAudio: lineAudio, log: log))
        let signature = TwilioSignature(authToken: authToken).signature(url: signedURL ?? stream.url, parameters: [])
        var headers = HTTPFields()
        headers[.init(TwilioSignature.header)!] = signature
        let (accountSID, callSID, parameters, hungUp, onGreetingEnd) = (accountSID, callSID, stream.parameters, hungUp, onGreetingEnd)
        do {
            try await WebSocketClient.connect(url: stream.url, configuration: .init(additionalHeaders: headers), logger: logger) {
                inbound,
                outbound,
                _ in
                let writer = StreamWriter(outbound: outbound, state: state, streamSID: streamSID)
                try await writer.send(.connected(.init(protocolName: "Call", version: "1.0.0")))
                try await writer.send(
                    .start(
                        .init(
                            sequenceNumber: state.next(),
                            streamSid: streamSID,
                            accountSid: accountSID,
                            callSid: callSID,
                            tracks: ["inbound"],
                            customParameters: parameters,
                            mediaFormat: .init(encoding: "audio/x-mulaw", sampleRate: 8000, channels: 1)
                        )
                    )
                )
                let clock = ContinuousClock()
                let start = clock.now
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        try await Self.speak(writer: writer, state: state, clock: clock, start: start, hungUp: hungUp, onGreetingEnd: onGreetingEnd)
                        if state.ending() != .dialerClosed {
                            try? await writer.send(
                                .stop(.init(sequenceNumber: state.next(), streamSid: streamSID, accountSid: accountSID, callSid: callSID))
                            )
                            try? await outbound.close(.normalClosure, reason: nil)
                        }
                    }
                    for try await message in inbound.messages(maxSize: 1 << 20) {
                        guard case .text(let text) = message, let command = try? MediaStreamCommand(json: text) else {
                            state.conversation.withLock { $0.log.malformed += 1 }
                            continue
                        }
                        let nowMs = Int(((clock.now - start).seconds * 1000).rounded())
                        let echoes: [String] = state.conversation.withLock { callee in
                            switch command {
                            case .media(_, let payload):
                                callee.receiveMedia(payload)
                                return []
                            case .mark(_, let name): return callee.receiveMark(name)
                            case .clear: return callee.receiveClear(atMs: nowMs)
                            }
                        }
                        try await writer.echo(echoes)
                    }
                    state.end(.dialerClosed)
                    try await group.waitForAll()
                }
            }
        } catch {
            state.conversation.withLock { $0.log.error = "\(error)" }
        }
        log = state.conversation.withLock { $0.log }
        log.ending = state.ending() ?? .notConnected
        return log
    }

    /// One frame every 20 ms, timed against the start so a late wake-up is caught up, until
    /// the callee hangs up, the call is hung up, or the dialer closes the stream.
    ///
    /// A wake-up more than a few frames late (a loaded test machine) is not caught up: the
    /// schedule slips instead. Catching up would play the agent's audio faster than real time
    /// and run the callee's buffer dry, and a callee that hears the agent stop talks over it.
    static func speak(
        writer: StreamWriter,
        state: StreamState,
        clock: ContinuousClock,
        start: ContinuousClock.Instant,
        hungUp: @Sendable () -> Bool,
        onGreetingEnd: (@Sendable () async -> Void)? = nil
    ) async throws {
        var start = start
        var frame = 0
        while state.ending() == nil {
            if hungUp() { return state.end(.hungUpByAPI) }
            let ms = frame * CalleeConversation.frameMs
            let (audio, echoes, end) = state.conversation.withLock { $0.tick(atMs: ms) }
            try await writer.echo(echoes)
            if let onGreetingEnd, state.conversation.withLock({ $0.takeGreetingEnd() }) {
                // As Twilio's AMD: a callback of its own, while the stream goes on.
                Task { await onGreetingEnd() }
            }
            try await writer.send(
                .media(
                    .init(
                        sequenceNumber: state.next(),
                        streamSid: writer.streamSID,
                        track: "inbound",
                        chunk: frame + 1,
                        timestamp: ms,
                        payload: audio
                    )
                )
            )
            if let end { return state.end(end) }
            frame += 1
            let due = start + .milliseconds(frame * CalleeConversation.frameMs)
            let late = clock.now - due
            if late > .milliseconds(3 * CalleeConversation.frameMs) { start += late }
            try await clock.sleep(until: start + .milliseconds(frame * CalleeConversation.frameMs))
        }
    }
}

/// What the stream's two tasks (reading the dialer, speaking every 20 ms) share.
final class StreamState: Sendable {
    let conversation: Mutex<CalleeConversation>
    private let ended = Mutex<MediaSessionLog.Ending?>(nil)
    private let sequence = Atomic<Int>(0)

    init(_ conversation: CalleeConversation) {
        self.conversation = Mutex(conversation)
    }

    /// The next message's sequenceNumber: one counter for every message, as Twilio numbers them.
    func next() -> Int { sequence.add(1, ordering: .relaxed).newValue }
    func ending() -> MediaSessionLog.Ending? { ended.withLock { $0 } }
    /// The first reason given wins.
    func end(_ reason: MediaSessionLog.Ending) { ended.withLock { $0 = $0 ?? reason } }
}

/// Writes Twilio's messages on the stream.
struct StreamWriter: Sendable {
    let outbound: WebSocketOutboundWriter
    let state: StreamState
    let streamSID: String

    func send(_ message: MediaStreamMessage) async throws {
        try await outbound.write(.text(message.json))
    }

    func echo(_ names: [String]) async throws {
        for name in names { try await send(.mark(.init(sequenceNumber: state.next(), streamSid: streamSID, name: name))) }
    }
}
