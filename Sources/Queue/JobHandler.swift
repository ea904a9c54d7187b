import Backoff

/// Runs the jobs of one kind: what the runner calls. A kind with a `JobArgs` type is handled
/// by a `JobWorker`, which is one of these; `ClosureJobHandler` runs untyped jobs (benchmarks, tests).
///
/// Throwing fails the attempt: it is retried after the handler's backoff, unless the error
/// is a `PermanentJobError` or the job is out of attempts, in which case it is discarded.
public protocol JobHandler: Sendable {
    /// The job kind this handler runs, as stored in `dialer.jobs.kind`.
    var kind: String { get }
    /// The delay before each retry.
    var backoff: RetryBackoff { get }
    /// How long one run may take before the runner cancels it, gives up on it and fails the
    /// attempt (retried after the backoff); nil: no limit. The watchdog looks every second.
    /// By default 30 minutes: no job of the dialer's runs that long unless it is stuck.
    var timeout: Duration? { get }
    func run(_ job: Job) async throws -> JobOutcome
}

extension JobHandler {
    public var backoff: RetryBackoff { RetryBackoff() }
    public var timeout: Duration? { .seconds(1800) }
}

/// A typed handler: runs the jobs of `Args.kind`, given their arguments decoded once (River's
/// `Worker`). Handlers are thin: they orchestrate the Store and a client. A handler whose work
/// enqueues other jobs (often inside a SQL function) says which in its doc comment, under
/// "Leads to".
public protocol JobWorker: JobHandler {
    associatedtype Args: JobArgs
    func run(_ args: Args, job: Job) async throws -> JobOutcome
}

extension JobWorker {
    public var kind: String { Args.kind }

    /// Decodes the arguments (a failure is thrown as it comes: retried like any error, as
    /// handlers always did) and runs the typed `run`.
    public func run(_ job: Job) async throws -> JobOutcome {
        try await run(job.args(as: Args.self), job: job)
    }
}

/// How a job that did not throw ended.
public enum JobOutcome: Sendable, Equatable {
    case completed
    /// Run again after this delay, without spending an attempt (a calling window not open yet,
    /// a rate slot not free).
    case snoozed(Duration)
    /// Do not run again.
    case cancelled(reason: String)
}

/// An error that retrying cannot fix (bad arguments, a number that does not exist):
/// the job is discarded at once, with this error recorded.
public protocol PermanentJobError: Error {}

/// A ready-made permanent error with a message.
public struct PermanentFailure: PermanentJobError, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A handler made from a closure, for small jobs and tests.
public struct ClosureJobHandler: JobHandler {
    public let kind: String
    public let backoff: RetryBackoff
    public let timeout: Duration?
    let body: @Sendable (Job) async throws -> JobOutcome

    public init(
        kind: String,
        backoff: RetryBackoff = RetryBackoff(),
        timeout: Duration? = nil,
        _ body: @escaping @Sendable (Job) async throws -> JobOutcome
    ) {
        self.kind = kind
        self.backoff = backoff
        self.timeout = timeout
        self.body = body
    }

    public func run(_ job: Job) async throws -> JobOutcome { try await body(job) }
}
