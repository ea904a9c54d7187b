import Synchronization

/// One handler's run of one job, which the runner can give up on.
///
/// The handler runs in a task of its own, and the runner waits for whichever comes first: the
/// handler's end, its kind's timeout, or the lease given up for lost (rescued elsewhere, or
/// not extended for so long that the rescuer may have taken it). Giving up cancels the
/// handler and frees its slot at once, without waiting for a handler stuck in a call that
/// ignores cancellation; whatever it writes later is fenced out by the job's attempt.
final class HandlerRun: Sendable {
    /// How the run ended, as the runner sees it.
    enum End: Sendable {
        case finished(Result<JobOutcome, any Error>)
        /// Past the kind's timeout: the job fails and is retried after its backoff.
        case timedOut(Duration)
        /// The lease is someone else's now (or may be): nothing is written for this run.
        case leaseLost
    }

    let lease: JobLease
    let started: ContinuousClock.Instant
    /// When the kind's timeout ends the run; nil: never.
    let deadline: ContinuousClock.Instant?

    private struct State {
        var work: Abandonable<JobOutcome>?
        /// Why the run was given up on, once it was.
        var givenUp: End?
        /// Until when the lease surely holds, by this process's clock: the claim's start, or
        /// the latest heartbeat that extended it, plus the lease.
        var leaseHeldUntil: ContinuousClock.Instant
    }

    private let state: Mutex<State>

    init(lease: JobLease, timeout: Duration?, leaseDuration: Duration, claimedAt: ContinuousClock.Instant) {
        self.lease = lease
        let started = ContinuousClock.now
        self.started = started
        deadline = timeout.map { started + $0 }
        state = Mutex(State(leaseHeldUntil: claimedAt + leaseDuration))
    }

    /// Runs `body` in its own task and returns when it ends or is given up on. Cancelling the
    /// caller cancels the handler and waits for it (shutdown lets handlers clean up).
    func run(_ body: @escaping @Sendable () async throws -> JobOutcome) async -> End {
        let work = Abandonable(body)
        let givenUpAlready = state.withLock { state -> End? in
            state.work = work
            return state.givenUp
        }
        if givenUpAlready != nil { work.abandon() }
        if let result = await work.wait() { return .finished(result) }
        return state.withLock { $0.givenUp } ?? .leaseLost
    }

    /// Gives the run up (`.timedOut` or `.leaseLost`): the handler is cancelled and left
    /// behind. Ignored once the handler ended or the run was given up on already.
    func giveUp(_ reason: End) {
        let work = state.withLock { state -> Abandonable<JobOutcome>? in
            guard state.givenUp == nil else { return nil }
            state.givenUp = reason
            return state.work
        }
        work?.abandon()
    }

    /// A heartbeat sent at `sent` extended the lease.
    func leaseExtended(sent: ContinuousClock.Instant, by lease: Duration) {
        state.withLock { $0.leaseHeldUntil = max($0.leaseHeldUntil, sent + lease) }
    }

    /// Why the run should be given up on `now`, if it should: past its deadline, or within
    /// `margin` of the end of the lease no heartbeat managed to extend.
    func overdue(at now: ContinuousClock.Instant, margin: Duration) -> End? {
        if let deadline, now >= deadline { return .timedOut(now - started) }
        if state.withLock({ now + margin >= $0.leaseHeldUntil }) { return .leaseLost }
        return nil
    }
}
