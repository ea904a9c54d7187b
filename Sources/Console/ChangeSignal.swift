import Synchronization

/// Tells one live stream that what it shows may have changed. Signals that arrive while the
/// stream is busy (rendering, or resting between pushes) fold into one, so a burst of
/// notifications costs one re-read.
final class ChangeSignal: Sendable {
    private struct State {
        var pending = false
        var finished = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    func signal() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.pending = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Ends the stream: the next `wait` returns at once, for good.
    func finish() {
        state.withLock { $0.finished = true }
        signal()
    }

    var isFinished: Bool { state.withLock { $0.finished } }

    /// Returns true when signalled, false after `timeout` passed without a signal.
    func wait(upTo timeout: Duration) async -> Bool {
        let ready = state.withLock { state -> Bool in
            defer { state.pending = false }
            return state.pending
        }
        if ready { return true }
        return await withTaskGroup(of: Void.self) { group in
            let timedOut = Flag()
            group.addTask {
                if (try? await Task.sleep(for: timeout)) != nil {
                    timedOut.set()
                    self.wake()
                }
            }
            await withTaskCancellationHandler {
                await withCheckedContinuation { continuation in
                    let resumeNow = state.withLock { state -> Bool in
                        if state.pending || state.finished || timedOut.isSet { return true }
                        state.waiter = continuation
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            } onCancel: {
                self.finish()
            }
            group.cancelAll()
            let signalled = state.withLock { state -> Bool in
                defer { state.pending = false }
                return state.pending
            }
            return signalled || !timedOut.isSet
        }
    }

    /// Resumes the waiter without marking a change (the timeout).
    private func wake() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }
}

/// A flag the timeout sets, read by the waiter.
private final class Flag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}
