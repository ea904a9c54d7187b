import HummingbirdWebSocket
import Logging
import Synchronization

/// How long a signed media socket may stay open without becoming a call.
///
/// The handshake's signature covers only the stream URL, so a captured handshake can open
/// sockets; binding (the `start` whose ids match an attempt) is what makes one a call. Until
/// then a socket holds a connection and a task: it must send `start` within
/// ``startTimeout`` of the upgrade, and at most ``maxUnboundMessages`` messages before it
/// (Twilio sends one, `connected`). Either limit closes it with 1008 (policy violation).
public struct MediaStreamLimits: Sendable, Equatable {
    public var startTimeout: Duration
    public var maxUnboundMessages: Int

    public init(startTimeout: Duration = .seconds(5), maxUnboundMessages: Int = 8) {
        self.startTimeout = startTimeout
        self.maxUnboundMessages = max(1, maxUnboundMessages)
    }
}

/// One socket's wait for its `start`: a timer that closes the socket unless ``bound()``
/// came first, and the count of messages before it.
final class MediaStreamStartGate: Sendable {
    private enum Phase { case waiting, bound, expired }
    private let phase = Mutex(Phase.waiting)
    private let unbound = Atomic<Int>(0)
    private let limits: MediaStreamLimits
    private let timer = Mutex<Task<Void, Never>?>(nil)

    /// The close frames' reasons, for the peer (and the tests) to tell the limits apart.
    static let noStartInTime = "no start in time"
    static let tooMuchBeforeStart = "too many messages before start"

    /// Starts the timer for a socket just upgraded.
    init(limits: MediaStreamLimits, outbound: WebSocketOutboundWriter, logger: Logger) {
        self.limits = limits
        let task = Task { [self] in
            try? await Task.sleep(for: limits.startTimeout)
            guard !Task.isCancelled, expire() else { return }
            logger.warning("media stream sent no start in time: closing it", metadata: ["start_timeout": "\(limits.startTimeout)"])
            try? await outbound.close(.policyViolation, reason: Self.noStartInTime)
        }
        timer.withLock { $0 = task }
    }

    /// The timer fired: true if the stream was still waiting, and now is not to be bound.
    private func expire() -> Bool {
        phase.withLock { phase in
            guard phase == .waiting else { return false }
            phase = .expired
            return true
        }
    }

    /// One message arrived before the stream was bound; false when that is one too many.
    func admitUnbound() -> Bool {
        unbound.add(1, ordering: .relaxed).newValue <= limits.maxUnboundMessages
    }

    /// The stream is bound (or refused): the timer no longer applies. False if it had
    /// already fired and the socket is closing.
    func bound() -> Bool {
        let inTime = phase.withLock { phase -> Bool in
            guard phase == .waiting else { return phase == .bound }
            phase = .bound
            return true
        }
        cancel()
        return inTime
    }

    func cancel() {
        timer.withLock { $0?.cancel() }
    }
}
