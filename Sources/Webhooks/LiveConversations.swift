import Store
import Synchronization
import Voice

/// The media streams this process holds open, and whether it is draining: what a deploy
/// must not cut off.
///
/// Every accepted media socket is counted from its upgrade to its end, and its conversation
/// is known once its `start` is bound. On SIGTERM, ``ConversationDrainService`` marks the
/// process draining (so `/readyz` answers 503 and the load balancer sends new calls
/// elsewhere), waits for the count to reach zero, and past the drain timeout asks every
/// conversation still open to say its goodbye (``sayGoodbye()``). A stream bound after that
/// is sent its goodbye at once.
public final class LiveConversations: Sendable {
    private struct State {
        var draining = false
        var endingAll = false
        var nextID = 0
        var open: [Int: ConversationSession?] = [:]
        /// The bound conversations by CallSid, for the signals Twilio's callbacks raise.
        var calls: [String: (slot: Int, session: ConversationSession)] = [:]
    }

    private let state = Mutex(State())
    /// The LISTEN connection for signals sent by other processes; nil: this process's
    /// signals only (a test's service without a database).
    private let listener: CallSignalListener?

    /// `calls`, when given, is how signals raised in other processes reach the
    /// conversations held here (``CallSignal``).
    public init(calls: CallStore? = nil) {
        listener = calls.map(CallSignalListener.init(calls:))
        listener?.deliver = { [weak self] signal in self?.act(on: signal) }
        listener?.pending = { [weak self] in self?.state.withLock { Array($0.calls.keys) } ?? [] }
    }

    /// One open media socket's place in the registry.
    public struct Slot: Sendable, Hashable {
        let id: Int
    }

    /// A media socket was accepted.
    func opened() -> Slot {
        state.withLock { state in
            state.nextID += 1
            state.open[state.nextID] = .some(nil)
            return Slot(id: state.nextID)
        }
    }

    /// Its stream was bound and its conversation started. Past the drain timeout, the new
    /// conversation is ended at once, politely.
    func bind(_ slot: Slot, to session: ConversationSession, callSID: String) {
        let endNow = state.withLock { state -> Bool in
            guard state.open[slot.id] != nil else { return false }
            state.open[slot.id] = session
            state.calls[callSID] = (slot.id, session)
            return state.endingAll
        }
        listener?.retain()
        if endNow { session.sayGoodbye() }
    }

    /// The socket is over.
    func closed(_ slot: Slot) {
        let wasBound = state.withLock { state -> Bool in
            guard case .some(.some) = state.open.removeValue(forKey: slot.id) else { return false }
            state.calls = state.calls.filter { $0.value.slot != slot.id }
            return true
        }
        if wasBound { listener?.release() }
    }

    /// Acts on a signal for a call whose conversation this process holds; false when it
    /// holds none (the caller then sends the signal to the other processes).
    @discardableResult
    public func act(on signal: CallSignal) -> Bool {
        switch signal {
        case .leaveVoicemail(let callSID):
            guard let session = state.withLock({ $0.calls[callSID]?.session }) else { return false }
            session.leaveVoicemail()
            return true
        }
    }

    /// Media sockets open now, bound or not.
    public var count: Int { state.withLock { $0.open.count } }

    /// Whether the process has been asked to stop: `/readyz` says so.
    public var isDraining: Bool { state.withLock { $0.draining } }

    /// Stop being ready; nothing else changes, live calls go on.
    public func beginDraining() {
        state.withLock { $0.draining = true }
    }

    /// Every open conversation, and any bound from now on, says its goodbye and hangs up.
    /// Returns how many were asked.
    @discardableResult
    public func sayGoodbye() -> Int {
        let sessions = state.withLock { state -> [ConversationSession] in
            state.draining = true
            state.endingAll = true
            return state.open.values.compactMap { $0 }
        }
        for session in sessions { session.sayGoodbye() }
        return sessions.count
    }

    /// Waits until no media socket is open, or `timeout` has passed; whether none is.
    /// Polls: a drain lasts seconds to minutes, and a 50 ms step costs nothing next to it.
    public func waitUntilNoneOpen(within timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while count > 0 {
            guard ContinuousClock.now < deadline, !Task.isCancelled else { return count == 0 }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return true
    }
}
