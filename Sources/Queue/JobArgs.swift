/// One kind of job, as a type: its kind name, its arguments (the stored properties, encoded
/// as the job's `args`), its unique key and its default options. River's `JobArgs` is the
/// model. The handler that runs the kind names the type as its `Args` (`JobWorker`), so its
/// run signature shows what it is given.
public protocol JobArgs: Codable, Sendable {
    /// The kind as stored in `dialer.jobs.kind`.
    static var kind: String { get }
    /// Priority and attempts for jobs of this kind unless an enqueue says otherwise.
    static var options: JobOptions { get }
    /// While a job with this key is open, enqueueing it again returns the open job; nil for
    /// none. Kinds that SQL enqueues too have their format in a SQL function (`dialer.finalize_key`,
    /// …), which tests hold this one to.
    var uniqueKey: String? { get }
}

extension JobArgs {
    public static var options: JobOptions { JobOptions() }
    public var uniqueKey: String? { nil }
}

/// A kind's default priority and attempt budget (the jobs table's defaults unless it says).
public struct JobOptions: Sendable, Equatable {
    /// Lower runs first.
    public var priority: Int
    public var maxAttempts: Int

    public init(priority: Int = 2, maxAttempts: Int = 25) {
        self.priority = priority
        self.maxAttempts = maxAttempts
    }
}

extension NewJob {
    /// A job of `Args`'s kind with its key and options; `priority` and `maxAttempts` override them.
    public init<Args: JobArgs>(
        _ args: Args,
        schedule: Schedule = .now,
        groupID: Int64? = nil,
        priority: Int? = nil,
        maxAttempts: Int? = nil
    ) throws {
        try self.init(
            kind: Args.kind,
            args: args,
            priority: priority ?? Args.options.priority,
            schedule: schedule,
            maxAttempts: maxAttempts ?? Args.options.maxAttempts,
            uniqueKey: args.uniqueKey,
            groupID: groupID
        )
    }
}

extension JobQueue {
    /// Enqueues one typed job (see `enqueue(_:)` for open unique keys).
    @discardableResult
    public func enqueue<Args: JobArgs>(_ args: Args, schedule: NewJob.Schedule = .now, groupID: Int64? = nil) async throws -> EnqueuedJob {
        try await enqueue(NewJob(args, schedule: schedule, groupID: groupID))
    }

    /// Makes sure the one job of a recurring kind exists: a job that never ends and snoozes
    /// between runs (`reconcile_calls`, `complete_campaigns`). Any number of workers may call
    /// this at once: the kind's unique key holds one open job.
    public func ensureRecurring<Args: JobArgs>(_ args: Args) async throws {
        try await enqueue(args)
    }
}

/// A job kind that recurs forever, one open job at a time: its unique key is its kind, and it
/// runs ahead of the others (priority 1).
public protocol RecurringJobArgs: JobArgs {
    init()
}

extension RecurringJobArgs {
    public static var options: JobOptions { JobOptions(priority: 1) }
    public var uniqueKey: String? { Self.kind }
}
