import Foundation

/// Where a job is in its life. Only `available` and `retryable` jobs can be claimed;
/// `completed`, `discarded` and `cancelled` are final.
public enum JobState: String, Sendable, CaseIterable, Codable {
    case available, running, retryable, completed, discarded, cancelled

    /// States that hold a job's unique_key: a second enqueue returns the open job. SQL's side is
    /// `dialer.job_is_open(state)` (sql/0016), which QueueEntryPointTests holds to this list.
    public static let open: [JobState] = [.available, .running, .retryable]
}

/// A job to enqueue.
public struct NewJob: Sendable {
    /// When the job may first run.
    public enum Schedule: Sendable, Equatable {
        case now
        case after(Duration)
        case at(Date)
    }

    public var kind: String
    /// The job's arguments, as JSON.
    public var argsJSON: String
    /// Lower runs first; 2 is the default.
    public var priority: Int
    public var schedule: Schedule
    public var maxAttempts: Int
    /// While a job with this key is open, enqueueing the key again returns that job.
    public var uniqueKey: String?
    /// An opaque id grouping jobs that are paused or cancelled together; the queue stores it
    /// (in `jobs.campaign_id`) without knowing what it names. The dialer puts a campaign id there.
    public var groupID: Int64?

    public init<Args: Encodable>(
        kind: String,
        args: Args,
        priority: Int = 2,
        schedule: Schedule = .now,
        maxAttempts: Int = 25,
        uniqueKey: String? = nil,
        groupID: Int64? = nil
    ) throws {
        let data = try JSONEncoder.jobArgs.encode(args)
        self.init(
            kind: kind,
            argsJSON: String(decoding: data, as: UTF8.self),
            priority: priority,
            schedule: schedule,
            maxAttempts: maxAttempts,
            uniqueKey: uniqueKey,
            groupID: groupID
        )
    }

    public init(
        kind: String,
        argsJSON: String = "{}",
        priority: Int = 2,
        schedule: Schedule = .now,
        maxAttempts: Int = 25,
        uniqueKey: String? = nil,
        groupID: Int64? = nil
    ) {
        self.kind = kind
        self.argsJSON = argsJSON
        self.priority = priority
        self.schedule = schedule
        self.maxAttempts = maxAttempts
        self.uniqueKey = uniqueKey
        self.groupID = groupID
    }
}

/// What enqueueing one job gave: its id, and whether it is new or an open job with the same key.
public struct EnqueuedJob: Sendable, Equatable {
    public let id: Int64
    public let inserted: Bool

    public init(id: Int64, inserted: Bool) {
        self.id = id
        self.inserted = inserted
    }
}

/// The fence on a running job: every later update must name the attempt that claimed it,
/// so a worker whose job was rescued and re-claimed can no longer touch it.
public struct JobLease: Sendable, Hashable {
    public let id: Int64
    public let attempt: Int

    public init(id: Int64, attempt: Int) {
        self.id = id
        self.attempt = attempt
    }
}

/// A claimed job, as its handler sees it.
public struct Job: Sendable {
    public let id: Int64
    public let kind: String
    public let argsJSON: String
    public let attempt: Int
    public let maxAttempts: Int
    public let priority: Int
    public let uniqueKey: String?
    /// See `NewJob.groupID`.
    public let groupID: Int64?
    public let createdAt: Date
    /// Runs of this job that failed before this one (rescues, releases and snoozes are not
    /// failures). The retry backoff counts these, not `attempt`: every snooze spends an
    /// attempt as the fence, and a place_call snoozed for rate slots twenty times must not
    /// wait the backoff's cap after its first transient error.
    public let failures: Int

    public var lease: JobLease { JobLease(id: id, attempt: attempt) }

    /// Decodes the job's arguments.
    public func args<Args: Decodable>(as type: Args.Type = Args.self) throws -> Args {
        try JSONDecoder.jobArgs.decode(type, from: Data(argsJSON.utf8))
    }
}

/// Why a running job failed, for `JobQueue.fail`.
public struct JobFailure: Sendable {
    public var lease: JobLease
    /// The error's type name, for operators grouping failures.
    public var errorType: String
    public var message: String
    /// A permanent failure is discarded at once; others retry until max_attempts.
    public var permanent: Bool
    /// Seconds until the retry (ignored when discarded).
    public var retryDelay: Double

    public init(lease: JobLease, errorType: String, message: String, permanent: Bool = false, retryDelay: Double) {
        self.lease = lease
        self.errorType = errorType
        self.message = message
        self.permanent = permanent
        self.retryDelay = retryDelay
    }
}

extension JSONEncoder {
    static let jobArgs: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()
}

extension JSONDecoder {
    static let jobArgs: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()
}
