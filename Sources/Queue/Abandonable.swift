import Synchronization

/// Work in a task of its own that its waiter can stop waiting for.
///
/// A call can be stuck where cancellation does not reach it: across a Postgres restart, a
/// request to the pool was seen never to return, cancelled or not (the chaos run saw a job
/// runner's result writer wait for one for good). Abandoning cancels the work and resumes the
/// waiter at once; the work runs on, detached, and what it does later must be harmless
/// (fenced writes, idempotent ones).
public final class Abandonable<Success: Sendable>: Sendable {
    private struct State {
        var result: Result<Success, any Error>?
        var abandoned = false
        var waiter: CheckedContinuation<Result<Success, any Error>?, Never>?
    }

    private let state = Mutex(State())
    private let work: Task<Success, any Error>

    /// Starts `operation` now.
    public init(_ operation: @escaping @Sendable () async throws -> Success) {
        work = Task { try await operation() }
        Task { [work, weak self] in
            let result = await work.result
            self?.end(result)
        }
    }

    /// The work's result, or nil once abandoned. Cancelling the waiter cancels the work and
    /// keeps waiting for it (it may clean up); only `abandon()` stops the wait early.
    public func wait() async -> Result<Success, any Error>? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { waiter in
                let now = state.withLock { state -> Result<Success, any Error>?? in
                    if state.abandoned { return .some(nil) }
                    if let result = state.result { return .some(result) }
                    state.waiter = waiter
                    return nil
                }
                if let now { waiter.resume(returning: now) }
            }
        } onCancel: { [work] in
            work.cancel()
        }
    }

    /// Cancels the work and resumes the waiter with nil, unless the work ended first; returns
    /// whether it did abandon.
    @discardableResult
    public func abandon() -> Bool {
        let (abandoned, waiter) = state.withLock { state -> (Bool, CheckedContinuation<Result<Success, any Error>?, Never>?) in
            guard state.result == nil, !state.abandoned else { return (false, nil) }
            state.abandoned = true
            defer { state.waiter = nil }
            return (true, state.waiter)
        }
        if abandoned { work.cancel() }
        waiter?.resume(returning: nil)
        return abandoned
    }

    private func end(_ result: Result<Success, any Error>) {
        let waiter = state.withLock { state -> CheckedContinuation<Result<Success, any Error>?, Never>? in
            guard state.result == nil, !state.abandoned else { return nil }
            state.result = result
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: result)
    }
}

/// `limit` passed before the work ended; the work was cancelled and left behind.
public struct DeadlineExceeded: Error, CustomStringConvertible {
    public let what: String
    public let limit: Duration
    public var description: String { "\(what) took longer than \(limit); abandoned" }
}

/// Runs `operation` and returns its result, or throws ``DeadlineExceeded`` once `limit` has
/// passed, without waiting for an operation that ignores cancellation (see ``Abandonable``).
public func withDeadline<T: Sendable>(
    _ limit: Duration,
    _ what: String,
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    let work = Abandonable(operation)
    let timer = Task {
        try await Task.sleep(for: limit)
        work.abandon()
    }
    defer { timer.cancel() }
    guard let result = await work.wait() else { throw DeadlineExceeded(what: what, limit: limit) }
    return try result.get()
}
