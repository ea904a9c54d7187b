import Logging
import PostgresNIO
import Store
import Synchronization

/// The process's one LISTEN connection for ``CallSignal``s, held while it has live
/// conversations: the AMD callback for a call may reach one `dialer serve` while its media
/// stream is held by another.
///
/// A signal sent while the connection was down (a Postgres restart, a network cut) is not
/// lost: each time the connection is made, the live calls' state is read again and the
/// signals it implies are delivered (``CallStore/callsLeavingVoicemail(among:)``). Behind a
/// transaction-pooling PgBouncer, this connection must go to Postgres directly.
final class CallSignalListener: Sendable {
    private struct State {
        var holders = 0
        var task: Task<Void, Never>?
        var deliver: (@Sendable (CallSignal) -> Void)?
        var pending: (@Sendable () -> [String])?
    }

    private let calls: CallStore
    private let state = Mutex(State())

    init(calls: CallStore) {
        self.calls = calls
    }

    /// Where signals go, and which calls to look at again on every (re)connection.
    var deliver: (@Sendable (CallSignal) -> Void)? {
        get { state.withLock { $0.deliver } }
        set { state.withLock { $0.deliver = newValue } }
    }

    var pending: (@Sendable () -> [String])? {
        get { state.withLock { $0.pending } }
        set { state.withLock { $0.pending = newValue } }
    }

    /// A conversation is live: listen, if not already.
    func retain() {
        state.withLock { state in
            state.holders += 1
            if state.task == nil { state.task = Task { await self.listen() } }
        }
    }

    /// A conversation is over: the last one gives the connection back.
    func release() {
        let task = state.withLock { state -> Task<Void, Never>? in
            state.holders = max(0, state.holders - 1)
            guard state.holders == 0 else { return nil }
            defer { state.task = nil }
            return state.task
        }
        task?.cancel()
    }

    private func listen() async {
        let logger = calls.database.logger
        while !Task.isCancelled {
            do {
                try await calls.database.listener.withConnection { connection in
                    try await connection.listen(on: CallSignal.channel) { notifications in
                        await self.catchUp()
                        for try await notification in notifications {
                            if let signal = CallSignal(payload: notification.payload) { self.deliver?(signal) }
                        }
                    }
                }
            } catch {
                if Task.isCancelled { return }
                logger.warning("call signal LISTEN connection lost; retrying", metadata: ["error": "\(String(reflecting: error))"])
            }
            guard (try? await Task.sleep(for: .seconds(1))) != nil else { return }
        }
    }

    /// What was signalled while nobody listened.
    private func catchUp() async {
        guard let callSIDs = pending?(), !callSIDs.isEmpty else { return }
        do {
            for sid in try await calls.callsLeavingVoicemail(among: callSIDs) { deliver?(.leaveVoicemail(callSID: sid)) }
        } catch {
            calls.database.logger.warning("could not read the live calls' state", metadata: ["error": "\(String(reflecting: error))"])
        }
    }
}
