import Synchronization

/// A wait that ignores cancellation until `release()`, as a call stuck below its caller does (a
/// Postgres request lost across a restart): what the queue's watchdog and deadlines must leave
/// behind. Release it at the end of the test.
public final class StuckWait: Sendable {
    private let waiters = Mutex<[CheckedContinuation<Void, Never>]>([])

    public init() {}

    public func wait() async { await withCheckedContinuation { continuation in waiters.withLock { $0.append(continuation) } } }

    public func release() {
        for waiter in waiters.withLock({ waiters in
            defer { waiters.removeAll() }
            return waiters
        }) { waiter.resume() }
    }
}
