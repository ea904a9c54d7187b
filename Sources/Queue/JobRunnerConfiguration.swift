import Backoff
import Foundation

/// How a job runner claims, leases and shuts down.
public struct JobRunnerConfiguration: Sendable {
    /// Handlers running at once, at most.
    public var concurrency: Int = 50
    /// Slots no single kind may take when the runner has several, so that short jobs (a
    /// finalize) are not starved by long ones (calls waiting for their rate slot); nil is a
    /// quarter of `concurrency`, at least 1.
    public var reservedForOtherKinds: Int?
    /// Jobs claimed in one statement, at most (also bounded by free capacity).
    public var claimBatch: Int = 100
    /// How long a claim holds a job without a heartbeat before the rescuer may take it back.
    public var lease: Duration = .seconds(60)
    /// How often the leases of all held jobs are extended; well under `lease`.
    public var heartbeatInterval: Duration = .seconds(15)
    /// The fallback when no notification arrives: scheduled and retryable jobs become due this way.
    public var pollInterval: Duration = .seconds(1)
    /// On shutdown, how long in-flight handlers may run before they are cancelled and released.
    public var shutdownDeadline: Duration = .seconds(30)
    /// Whether this runner also rescues expired leases and prunes old jobs.
    public var runsMaintenance: Bool = true
    public var maintenanceInterval: Duration = .seconds(10)
    /// Completed and cancelled jobs are deleted after this long.
    public var finishedRetention: Duration = .seconds(24 * 3600)
    /// Discarded jobs, which operators may retry, are deleted after this long.
    public var discardedRetention: Duration = .seconds(7 * 24 * 3600)
    /// Names this runner in `lease_owner`: host, process and a random suffix.
    public var owner: String = JobRunnerConfiguration.defaultOwner()
    /// Told of every claim and every run's outcome (a worker's metrics); nil: nobody.
    public var observer: (any JobObserver)?

    public init() {}

    public static func defaultOwner() -> String {
        let host = ProcessInfo.processInfo.hostName
        let pid = ProcessInfo.processInfo.processIdentifier
        let suffix = UUID().uuidString.prefix(8).lowercased()
        return "\(host):\(pid):\(suffix)"
    }
}
