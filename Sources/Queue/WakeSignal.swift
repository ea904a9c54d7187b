import Synchronization

/// Wakes one waiting loop: a notification arrived, capacity freed up, results are ready.
/// Signals that arrive while nobody waits are kept (once), so a wakeup is never lost;
/// a spurious wakeup costs one extra look at the queue.
final class WakeSignal: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    func signal() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.pending = true
            return nil
        }
        waiter?.resume()
    }

    /// Returns when signalled, after `timeout`, or when the task is cancelled.
    func wait(upTo timeout: Duration) async {
        let alreadySignalled = state.withLock { state in
            defer { state.pending = false }
            return state.pending
        }
        if alreadySignalled || Task.isCancelled { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                if (try? await Task.sleep(for: timeout)) != nil { self.signal() }
            }
            await withTaskCancellationHandler {
                await withCheckedContinuation { continuation in
                    let resumeNow = state.withLock { state -> Bool in
                        if state.pending {
                            state.pending = false
                            return true
                        }
                        state.waiter = continuation
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            } onCancel: {
                self.signal()
            }
            group.cancelAll()
        }
        // A timeout that fired as the signal came in leaves a stale pending flag: harmless.
    }
}
