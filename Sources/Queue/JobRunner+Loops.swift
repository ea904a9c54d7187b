import Backoff
import Logging
import PostgresNIO

/// The runner's background loops: completer, heartbeat, notifications, maintenance.
///
/// Their statements run under a deadline (`withDeadline`): a request lost in the pool across a
/// Postgres restart never returns, and a loop waiting for it would stop the worker for good
/// (the chaos run saw the result writer do so while the claim loop went on claiming).
extension JobRunner {
    /// How long one of the loops' statements may take before it is given up on and tried again.
    static let databaseDeadline: Duration = .seconds(30)

    /// Writes handler results in batches until the handlers are done, then flushes what is left.
    func completerLoop() async {
        while !handlersDone.load(ordering: .relaxed) {
            await completerWake.wait(upTo: .milliseconds(250))
            if await flushResults() == false { await completerWake.wait(upTo: .milliseconds(500)) }
        }
        // Shutdown: the handlers are done; keep trying for a while so no result is lost to a blip.
        let deadline = ContinuousClock.now + .seconds(10)
        while ledger.hasResults && ContinuousClock.now < deadline {
            if await flushResults() == false { try? await Task.sleep(for: .milliseconds(200)) }
        }
        let unwritten = ledger.takeResults()
        if !unwritten.isEmpty {
            // Nothing is lost: the jobs stay running until their lease expires, then the
            // rescuer of any worker runs them again.
            logger.error(
                "could not write job results before exiting; they will run again after their lease",
                metadata: [
                    "jobs": "\(unwritten.map(\.lease.id).sorted())"
                ]
            )
        }
    }

    /// Writes every pending result; returns false when the database refused, leaving them pending.
    @discardableResult
    func flushResults() async -> Bool {
        let results = ledger.takeResults()
        guard !results.isEmpty else { return true }
        var completed: [JobLease] = []
        var failed: [JobFailure] = []
        var released: [JobLease] = []
        var snoozed: [Duration: [JobLease]] = [:]
        var cancelled: [String: [JobLease]] = [:]
        for result in results {
            switch result {
            case .completed(let lease): completed.append(lease)
            case .failed(let failure): failed.append(failure)
            case .released(let lease): released.append(lease)
            case .snoozed(let lease, let delay): snoozed[delay, default: []].append(lease)
            case .cancelled(let lease, let reason): cancelled[reason, default: []].append(lease)
            }
        }
        do {
            // Each write is fenced, so writing a batch again after a partial failure (or after
            // giving up on a write that never came back) is harmless.
            let queue = self.queue
            let (snoozedBatches, cancelledBatches) = (snoozed, cancelled)
            let (completedNow, failedNow, releasedNow) = (completed, failed, released)
            let failedStates = try await withDeadline(Self.databaseDeadline, "writing job results") {
                try await queue.complete(completedNow)
                let failedStates = try await queue.fail(failedNow)
                for (delay, leases) in snoozedBatches { try await queue.snooze(leases, for: delay) }
                for (reason, leases) in cancelledBatches { try await queue.cancel(leases, reason: reason) }
                try await queue.release(releasedNow, reason: "worker shut down before the job finished")
                return failedStates
            }
            for failure in failed {
                logger.warning(
                    "job failed",
                    metadata: [
                        "job": "\(failure.lease.id)", "attempt": "\(failure.lease.attempt)",
                        "error": "\(failure.errorType)", "now": "\(failedStates[failure.lease]?.rawValue ?? "already taken back")",
                    ]
                )
            }
            ledger.release(results.map(\.lease))
            return true
        } catch {
            logger.error(
                "writing job results failed; will retry",
                metadata: ["error": "\(String(reflecting: error))", "results": "\(results.count)"]
            )
            ledger.putBack(results)
            return false
        }
    }

    func heartbeatLoop() async {
        while !Task.isCancelled {
            guard (try? await Task.sleep(for: configuration.heartbeatInterval)) != nil else { return }
            let held = ledger.heldLeases
            guard !held.isEmpty else { continue }
            do {
                let sent = ContinuousClock.now
                let (queue, lease) = (self.queue, configuration.lease)
                let still = try await withDeadline(configuration.heartbeatInterval * 2, "extending leases") {
                    try await queue.heartbeat(held, lease: lease)
                }
                let lost = Set(held).subtracting(still).intersection(ledger.heldLeases)
                let (extended, gone) = runs.withLock { runs in (still.compactMap { runs[$0] }, lost.compactMap { runs[$0] }) }
                for run in extended { run.leaseExtended(sent: sent, by: configuration.lease) }
                if !lost.isEmpty {
                    // Rescued while we ran them (we stalled past the lease): our results will be
                    // fenced out, the job's new attempt belongs to another worker, and the
                    // handlers still running are cancelled.
                    logger.warning("lost the lease on running jobs", metadata: ["jobs": "\(lost.map(\.id).sorted())"])
                    for run in gone { run.giveUp(.leaseLost) }
                }
            } catch {
                logger.error("heartbeat failed", metadata: ["error": "\(String(reflecting: error))"])
            }
        }
    }

    /// LISTENs on the queue's channel and wakes the claim loop for this runner's kinds.
    func listenForNotifications() async {
        let kinds = Set(self.kinds)
        while !Task.isCancelled {
            do {
                try await queue.listener.withConnection { connection in
                    try await connection.listen(on: JobQueue.notifyChannel) { notifications in
                        // Anything enqueued while we were not listening is found by this look.
                        self.claimWake.signal()
                        for try await notification in notifications where kinds.contains(notification.payload) {
                            self.claimWake.signal()
                        }
                    }
                }
            } catch {
                if Task.isCancelled { return }
                logger.warning("LISTEN connection lost; polling until it is back", metadata: ["error": "\(String(reflecting: error))"])
            }
            guard (try? await Task.sleep(for: .seconds(1))) != nil else { return }
        }
    }

    /// Rescues expired leases and prunes old jobs, on every runner that enables it.
    func maintenanceLoop() async {
        while !Task.isCancelled {
            do {
                let queue = self.queue
                let rescued = try await withDeadline(Self.databaseDeadline, "rescuing jobs") { try await queue.rescueExpired() }
                if !rescued.isEmpty {
                    logger.warning(
                        "rescued jobs with expired leases",
                        metadata: [
                            "jobs": "\(rescued.map(\.id))",
                            "discarded": "\(rescued.filter { $0.state == .discarded }.map(\.id))",
                        ]
                    )
                }
                let (finished, discarded) = (configuration.finishedRetention, configuration.discardedRetention)
                let pruned = try await withDeadline(Self.databaseDeadline, "pruning jobs") {
                    try await queue.prune(finished: finished, discarded: discarded)
                }
                if pruned > 0 { logger.info("pruned finished jobs", metadata: ["count": "\(pruned)"]) }
            } catch {
                logger.error("queue maintenance failed", metadata: ["error": "\(String(reflecting: error))"])
            }
            let jitter = Double.random(in: 0.8..<1.2)
            guard (try? await Task.sleep(for: configuration.maintenanceInterval * jitter)) != nil else { return }
        }
    }
}
