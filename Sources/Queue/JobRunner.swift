import Backoff
import Logging
import ServiceLifecycle
import Synchronization

/// Claims jobs of its handlers' kinds and runs them, as a `Service`.
///
/// One claim statement fetches as many jobs as there is free capacity (up to the batch);
/// results are written back in batches by a completer, so a busy runner costs two round trips
/// per batch, not per job. Leases are extended for every held job in one heartbeat statement.
/// An idle runner sleeps until a NOTIFY for one of its kinds, or the poll interval. With
/// several kinds, none may hold the slots reserved for the others (a quarter by default), so
/// calls waiting minutes for their rate slots never hold back the Tasks of calls that ended.
///
/// On graceful shutdown (SIGTERM through a `ServiceGroup`, or `stop()`), it stops claiming,
/// lets running handlers finish until the deadline, then cancels them and releases their jobs
/// so another worker takes them at once.
public final class JobRunner: Service, Sendable {
    public let queue: JobQueue
    public let configuration: JobRunnerConfiguration
    let handlers: [String: any JobHandler]
    let logger: Logger
    let ledger = RunnerLedger()
    let claimWake = WakeSignal()
    let completerWake = WakeSignal()
    let stopping = Atomic<Bool>(false)
    /// Set once no handler can produce a result any more; the completer then flushes and ends.
    /// (Not task cancellation: a cancelled task's queries fail at once, and results would be lost.)
    let handlersDone = Atomic<Bool>(false)
    /// The runs under way, for the watchdog (`JobRunner+Execute`).
    let runs = Mutex<[JobLease: HandlerRun]>([:])

    public init(queue: JobQueue, handlers: [any JobHandler], configuration: JobRunnerConfiguration = .init(), logger: Logger) {
        self.queue = queue
        self.handlers = Dictionary(handlers.map { ($0.kind, $0) }, uniquingKeysWith: { _, last in last })
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "owner"] = "\(configuration.owner)"
        self.logger = logger
    }

    /// The kinds this runner claims.
    public var kinds: [String] { handlers.keys.sorted() }

    public func run() async throws {
        await withGracefulShutdownHandler {
            await self.runUntilStopped()
        } onGracefulShutdown: {
            self.stop()
        }
    }

    /// Stops claiming; `run()` returns once in-flight jobs are finished or released.
    public func stop() {
        stopping.store(true, ordering: .relaxed)
        claimWake.signal()
    }

    var isStopping: Bool { stopping.load(ordering: .relaxed) }

    /// Runs until `stop()` (or cancellation), for callers outside a `ServiceGroup`.
    public func runUntilStopped() async {
        logger.info("job runner started", metadata: ["kinds": "\(kinds.joined(separator: ","))", "concurrency": "\(configuration.concurrency)"])
        await withTaskGroup(of: Void.self) { background in
            background.addTask { await self.listenForNotifications() }
            background.addTask { await self.heartbeatLoop() }
            background.addTask { await self.watchdogLoop() }
            if configuration.runsMaintenance {
                background.addTask { await self.maintenanceLoop() }
            }
            let completer = Task { await self.completerLoop() }

            // Discarding: a plain group keeps every finished child until it is awaited, which
            // grew a busy worker by 3–4 KB a job (560 MB in a 5-minute soak).
            await withDiscardingTaskGroup { jobs in
                await self.claimLoop(jobs: &jobs)
                await self.drain(jobs: &jobs)
            }

            handlersDone.store(true, ordering: .relaxed)
            completerWake.signal()
            await completer.value
            let abandoned = ledger.abandoned
            if !abandoned.isEmpty {
                _ = try? await queue.release(abandoned, reason: "worker shut down")
            }
            background.cancelAll()
        }
        logger.info("job runner stopped")
    }

    func claimLoop(jobs: inout DiscardingTaskGroup) async {
        var failures = 0
        while !isStopping && !Task.isCancelled {
            let free = configuration.concurrency - ledger.runningCount
            if free <= 0 {
                await claimWake.wait(upTo: configuration.pollInterval)
                continue
            }
            let (open, limit) = claimable(free: free)
            guard !open.isEmpty, limit > 0 else {
                await claimWake.wait(upTo: configuration.pollInterval)
                continue
            }
            let claimed: [Job]
            let claimStart = ContinuousClock.now
            do {
                let (queue, owner, lease) = (self.queue, configuration.owner, configuration.lease)
                claimed = try await withDeadline(Self.databaseDeadline, "claiming jobs") {
                    try await queue.claim(kinds: open, limit: limit, owner: owner, lease: lease)
                }
                failures = 0
            } catch {
                failures += 1
                logger.error("claim failed", metadata: ["error": "\(String(reflecting: error))"])
                await claimWake.wait(upTo: .milliseconds(min(5000, 100 << min(failures, 6))))
                continue
            }
            ledger.claimed(claimed)
            if let observer = configuration.observer {
                for (kind, jobs) in Dictionary(grouping: claimed, by: \.kind) { observer.claimed(kind: kind, count: jobs.count) }
            }
            for job in claimed {
                jobs.addTask { await self.execute(job, claimedAt: claimStart) }
            }
            if claimed.count < limit {
                await claimWake.wait(upTo: configuration.pollInterval)
            }
        }
    }

    /// The kinds that may take more slots, and how many jobs one claim may bring: with
    /// several kinds, none takes more than `concurrency` less the reserve, and a claim never
    /// takes a kind past that share.
    func claimable(free: Int) -> (kinds: [String], limit: Int) {
        let kinds = self.kinds
        guard kinds.count > 1 else { return (kinds, min(free, configuration.claimBatch)) }
        let headroom = kinds.map { (kind: $0, left: kindShare - ledger.running($0)) }.filter { $0.left > 0 }
        return (headroom.map(\.kind), min(free, configuration.claimBatch, headroom.map(\.left).min() ?? 0))
    }

    /// The most slots one kind may hold when the runner has several.
    var kindShare: Int {
        max(1, configuration.concurrency - (configuration.reservedForOtherKinds ?? max(1, configuration.concurrency / 4)))
    }

    /// Waits for running handlers until the shutdown deadline, then cancels the rest.
    func drain(jobs: inout DiscardingTaskGroup) async {
        let deadline = ContinuousClock.now + configuration.shutdownDeadline
        while ledger.runningCount > 0 && ContinuousClock.now < deadline {
            await claimWake.wait(upTo: .milliseconds(50))
        }
        if ledger.runningCount > 0 {
            logger.warning("shutdown deadline reached; cancelling running jobs", metadata: ["running": "\(ledger.runningCount)"])
            jobs.cancelAll()
            // Handlers clean up when cancelled (an attempt withdrawn); one stuck past this
            // grace is given up on rather than holding the process.
            let grace = ContinuousClock.now + .seconds(5)
            while ledger.runningCount > 0 && ContinuousClock.now < grace {
                await claimWake.wait(upTo: .milliseconds(50))
            }
            abandonRuns()
        }
        // The group's scope waits for the cancelled handlers, given up on or not.
    }
}
