import Backoff
import Logging

/// A job's run, and the watchdog that gives up on runs past their timeout or their lease.
extension JobRunner {
    func execute(_ job: Job, claimedAt: ContinuousClock.Instant) async {
        guard let handler = handlers[job.kind] else {
            let failure = JobFailure(
                lease: job.lease,
                errorType: "UnknownKind",
                message: "no handler for kind \(job.kind) in this worker",
                retryDelay: RetryBackoff().delay(afterAttempt: job.failures + 1)
            )
            return finish(job, .failed(failure), started: .now)
        }
        let run = HandlerRun(lease: job.lease, timeout: handler.timeout, leaseDuration: configuration.lease, claimedAt: claimedAt)
        runs.withLock { $0[job.lease] = run }
        let end = await run.run { try await handler.run(job) }
        runs.withLock { _ = $0.removeValue(forKey: job.lease) }
        switch end {
        case .finished(.success(.completed)): finish(job, .completed(job.lease), started: run.started)
        case .finished(.success(.snoozed(let delay))): finish(job, .snoozed(job.lease, delay), started: run.started)
        case .finished(.success(.cancelled(let reason))): finish(job, .cancelled(job.lease, reason), started: run.started)
        case .finished(.failure) where Task.isCancelled && isStopping:
            finish(job, .released(job.lease), started: run.started)
        case .finished(.failure(let error)):
            let failure = JobFailure(
                lease: job.lease,
                errorType: String(reflecting: type(of: error)),
                message: String(String(describing: error).prefix(2000)),
                permanent: error is PermanentJobError,
                retryDelay: handler.backoff.delay(afterAttempt: job.failures + 1)
            )
            finish(job, .failed(failure), started: run.started)
        case .timedOut(let ran):
            logger.error(
                "job ran past its timeout; cancelled, and retried after its backoff",
                metadata: ["job": "\(job.id)", "kind": "\(job.kind)", "ran_s": "\(ran.seconds)"]
            )
            let failure = JobFailure(
                lease: job.lease,
                errorType: "JobTimeout",
                message: "ran \(Int(ran.seconds)) s, past its kind's timeout of \(Int((handler.timeout ?? ran).seconds)) s",
                retryDelay: handler.backoff.delay(afterAttempt: job.failures + 1)
            )
            finish(job, .failed(failure), started: run.started)
        case .leaseLost:
            // Another worker may run the job now: write nothing, and let the slot go.
            logger.warning("gave up a job whose lease was lost; its handler is cancelled", metadata: ["job": "\(job.id)", "kind": "\(job.kind)"])
            configuration.observer?.finished(kind: job.kind, outcome: "lost", duration: ContinuousClock.now - run.started)
            ledger.release([job.lease])
            claimWake.signal()
        }
    }

    func finish(_ job: Job, _ result: RunnerLedger.Result, started: ContinuousClock.Instant) {
        configuration.observer?.finished(kind: job.kind, outcome: result.outcome, duration: ContinuousClock.now - started)
        let wasFull = ledger.finished(result) >= configuration.concurrency
        // A kind that had its whole share may take this slot again: claim now, not at the poll.
        let kindWasFull = handlers.count > 1 && ledger.running(job.kind) + 1 >= kindShare
        completerWake.signal()
        if wasFull || kindWasFull || isStopping { claimWake.signal() }
    }

    /// Gives up on runs past their kind's timeout, and on runs whose lease no heartbeat could
    /// extend (Postgres unreachable): within a quarter lease of its end, the rescuer of another
    /// worker may take the job, and this one must not act on it any more (a call placed then
    /// would be a second one).
    func watchdogLoop() async {
        // A quarter of the lease before its end (by this process's clock, from the heartbeat's
        // send time), so the run is cancelled before any rescuer may take the job; the
        // heartbeats, every quarter, keep that point ahead of it while Postgres answers.
        let margin = configuration.lease / 4
        let tick = min(.seconds(1), configuration.lease / 8)
        while !Task.isCancelled {
            guard (try? await Task.sleep(for: tick)) != nil else { return }
            let now = ContinuousClock.now
            for run in runs.withLock({ Array($0.values) }) {
                if let end = run.overdue(at: now, margin: margin) { run.giveUp(end) }
            }
        }
    }

    /// Shutdown: runs still going this long after their cancellation are given up on (their
    /// leases run out and the rescuer hands the jobs to another worker).
    func abandonRuns() {
        for run in runs.withLock({ Array($0.values) }) { run.giveUp(.leaseLost) }
    }
}
