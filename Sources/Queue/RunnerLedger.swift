import Synchronization

/// What a runner holds: jobs whose handler is running, and finished jobs whose result is not
/// yet written. Both are held (heartbeated) until the database has the result.
final class RunnerLedger: Sendable {
    /// A handler's result waiting for the completer.
    enum Result: Sendable {
        case completed(JobLease)
        case failed(JobFailure)
        case snoozed(JobLease, Duration)
        case cancelled(JobLease, String)
        /// Cancelled by shutdown: back to the queue without spending an attempt.
        case released(JobLease)

        /// Its name in metrics.
        var outcome: String {
            switch self {
            case .completed: "completed"
            case .failed: "failed"
            case .snoozed: "snoozed"
            case .cancelled: "cancelled"
            case .released: "released"
            }
        }

        var lease: JobLease {
            switch self {
            case .completed(let lease), .snoozed(let lease, _), .cancelled(let lease, _), .released(let lease): lease
            case .failed(let failure): failure.lease
            }
        }
    }

    private struct State {
        var running: Set<JobLease> = []
        var held: Set<JobLease> = []
        var results: [Result] = []
        /// The kind of each running job, and how many of each kind run.
        var kinds: [JobLease: String] = [:]
        var runningByKind: [String: Int] = [:]

        mutating func stopRunning(_ lease: JobLease) {
            running.remove(lease)
            if let kind = kinds.removeValue(forKey: lease) { runningByKind[kind, default: 1] -= 1 }
        }
    }

    private let state = Mutex(State())

    var runningCount: Int { state.withLock { $0.running.count } }
    var heldLeases: [JobLease] { state.withLock { Array($0.held) } }
    var isIdle: Bool { state.withLock { $0.held.isEmpty } }

    func claimed(_ jobs: [Job]) {
        state.withLock { state in
            for job in jobs {
                state.running.insert(job.lease)
                state.held.insert(job.lease)
                state.kinds[job.lease] = job.kind
                state.runningByKind[job.kind, default: 0] += 1
            }
        }
    }

    /// Handlers of `kind` running now.
    func running(_ kind: String) -> Int { state.withLock { $0.runningByKind[kind, default: 0] } }

    /// Records a handler's result; returns how many handlers were running before it ended.
    func finished(_ result: Result) -> Int {
        state.withLock { state in
            let before = state.running.count
            state.stopRunning(result.lease)
            state.results.append(result)
            return before
        }
    }

    var hasResults: Bool { state.withLock { !$0.results.isEmpty } }

    func takeResults() -> [Result] {
        state.withLock { state in
            defer { state.results.removeAll(keepingCapacity: true) }
            return state.results
        }
    }

    /// Results that could not be written go back to the front, to be tried again.
    func putBack(_ results: [Result]) {
        state.withLock { $0.results.insert(contentsOf: results, at: 0) }
    }

    /// The database has these jobs' results, or they are no longer ours.
    func release(_ leases: some Sequence<JobLease>) {
        state.withLock { state in
            for lease in leases {
                state.held.remove(lease)
                state.stopRunning(lease)
            }
        }
    }

    /// Held jobs with neither a running handler nor a pending result: nothing will finish them.
    var abandoned: [JobLease] {
        state.withLock { state in
            let pending = Set(state.results.map(\.lease))
            return state.held.filter { !pending.contains($0) }
        }
    }
}
