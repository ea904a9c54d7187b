import Backoff
import CallTrace
import Foundation
import Logging
import Queue
import Salesforce
import Store
import Tracing

/// `finalize_call`: one Salesforce Task per ended call, however often things fail on the way.
///
/// The end of a call made its `task_syncs` row, due a grace later. The job writes up to
/// `batchSize` ready syncs at once, its own and any other call's, in one composite request
/// (10,000 ended calls take about 50 requests), and finishes when its own sync is settled.
/// A sync whose call still has its media stream open waits for it, at most `streamWait`.
/// A run leases the syncs it writes; each later write is fenced by that lease, which a create
/// holds for as long as it may be in flight (`SalesforceClient.longestCreate`).
///
/// Exactly one Task per CallSid: with an external-ID field, Tasks are upserted on it. Without
/// one, `sent_at` is committed before each write; a sync that has it (its last write may have
/// reached Salesforce before a crash) is looked up by `CallObject` first and only created if
/// absent. REQUEST_LIMIT_EXCEEDED pauses every sync through one shared breaker; an outage
/// leaves syncs pending with a backoff; a record Salesforce refuses (a validation rule) is
/// marked failed with Salesforce's message, for `dialer tasks retry`. Nothing is dropped.
///
/// Leads to: nothing; the call's work ends here.
public struct FinalizeCallHandler: JobWorker {
    public typealias Args = FinalizeCallArgs
    let queue: TaskSyncQueue
    let pause: TaskSyncPause
    let salesforce: SalesforceClient
    let configuration: FinalizeConfiguration
    let retryBackoff: RetryBackoff
    let logger: Logger
    /// For in-process fault-injection tests: runs after Salesforce answered a write, before
    /// anything is recorded; throwing there is a finalizer dying at the worst moment. The
    /// production worker never sets it (process tests kill it from the Sandbox Salesforce).
    let afterWrite: (@Sendable ([String]) async throws -> Void)?

    public init(
        database: Database,
        salesforce: SalesforceClient,
        configuration: FinalizeConfiguration = FinalizeConfiguration(),
        retryBackoff: RetryBackoff = RetryBackoff(base: 5, factor: 2, cap: 600),
        logger: Logger,
        afterWrite: (@Sendable ([String]) async throws -> Void)? = nil
    ) {
        queue = TaskSyncQueue(database: database)
        pause = TaskSyncPause(database: database)
        self.salesforce = salesforce
        self.configuration = configuration
        self.retryBackoff = retryBackoff
        self.logger = logger
        self.afterWrite = afterWrite
    }

    public func run(_ args: FinalizeCallArgs, job: Job) async throws -> JobOutcome {
        let callSID = args.callSID
        switch try await queue.standing(callSID: callSID) {
        case .unknownCall: throw PermanentFailure("no ended call \(callSID) to finalize")
        case .settled: return .completed
        case .pending: break
        }
        if let wait = try await pause.gate(probe: configuration.requestLimitProbe) { return .snoozed(wait) }
        let owner = "finalize:\(job.id):\(job.attempt):\(UUID().uuidString.prefix(8))"
        let batch = try await queue.lease(
            limit: configuration.batchSize,
            owner: owner,
            for: configuration.lease,
            streamWait: configuration.streamWait
        )
        if !batch.isEmpty { try await write(batch, owner: owner) }
        switch try await queue.standing(callSID: callSID, owner: owner) {
        case .settled, .unknownCall: return .completed
        // Another run is writing it: look again soon. Otherwise, when it is due (a backoff,
        // the grace, a stream still open), checking at least every 30 s.
        case .pending(leasedElsewhere: true, _): return .snoozed(.seconds(1))
        case .pending(leasedElsewhere: false, let due): return .snoozed(min(max(due, .seconds(1)), .seconds(30)))
        }
    }

    /// Writes one leased batch and records every outcome.
    func write(_ batch: [TaskSyncRecord], owner: String) async throws {
        do {
            var synced: [String: String] = [:]
            var pending = batch
            // A sync sent before may have its Task already: find it rather than make another.
            let unsure = batch.filter(\.sentBefore).map(\.callSID)
            if configuration.externalIDField == nil, !unsure.isEmpty {
                synced = try await salesforce.findTasks(callObjects: unsure)
                pending.removeAll { synced[$0.callSID] != nil }
            }
            pending = try await setDoNotCall(pending, owner: owner)
            let marked = try await queue.markSent(pending.map(\.callSID), owner: owner, inFlight: writeTime)
            pending.removeAll { !marked.contains($0.callSID) }  // another run has taken them
            let tasks = pending.map { CallTask.make($0, configuration: configuration) }
            let writing = DefaultTracerClock.now
            let results = try await writeTasks(tasks)
            try await afterWrite?(pending.map(\.callSID))
            var retryAlone: [(TaskSyncRecord, SalesforceTask)] = []
            var refused: [TaskSyncQueue.Refusal] = []
            for ((sync, task), result) in zip(zip(pending, tasks), results) {
                if result.success, let id = result.id {
                    synced[sync.callSID] = id
                } else if let error = result.errors.first, Self.isRecordProblem(error.statusCode) {
                    refused.append(.init(callSID: sync.callSID, code: error.statusCode, message: error.message))
                    logger.warning("Task refused by Salesforce", metadata: ["call_sid": "\(sync.callSID)", "error": "\(error.statusCode)"])
                } else {
                    retryAlone.append((sync, task))
                }
            }
            try await queue.recordFailed(refused, owner: owner)
            try await queue.recordSynced(synced, owner: owner)
            try await trace(written: pending.map(\.callSID), synced: synced, refused: refused, since: writing)
            if !synced.isEmpty { try await pause.clearStrikes() }
            for (sync, task) in retryAlone { try await writeAlone(sync, task, owner: owner) }
        } catch let error as SalesforceError {
            // What was recorded before the failure is fenced out of this: only syncs still
            // pending under this lease are released or failed.
            try await handle(error, batch: batch, owner: owner)
        }
    }

    /// Each call's Task write as a span of the call's trace (``CallTrace``), from the batch's
    /// start: one composite request wrote them all, so each call's span is the whole request.
    func trace(written: [String], synced: [String: String], refused: [TaskSyncQueue.Refusal], since start: DefaultTracerClock.Instant) async throws {
        guard CallTrace.isEnabled, !written.isEmpty else { return }
        let attempts = try await queue.attemptIDs(callSIDs: written)
        let refusals = Dictionary(refused.map { ($0.callSID, $0.code) }, uniquingKeysWith: { first, _ in first })
        for sid in written {
            let span = CallTrace.startSpan("salesforce.task", attempt: attempts[sid], ofKind: .client, at: start)
            span.attributes["twilio.call_sid"] = sid
            span.attributes["dialer.batch_size"] = written.count
            if let id = synced[sid] { span.attributes["salesforce.task_id"] = id }
            if let code = refusals[sid] { span.setStatus(.init(code: .error, message: code)) }
            span.end()
        }
    }

    /// How long a write's syncs stay leased once it is started. An upsert is safe to repeat;
    /// a create is not, and may be in flight for as long as the client allows it.
    var writeTime: Duration {
        configuration.externalIDField == nil ? max(configuration.lease, salesforce.longestCreate) : configuration.lease
    }

    /// Composite create or upsert, by configuration.
    func writeTasks(_ tasks: [SalesforceTask]) async throws -> [SalesforceSaveResult] {
        if let field = configuration.externalIDField { return try await salesforce.upsertTasks(tasks, externalIDField: field) }
        return try await salesforce.createTasks(tasks)
    }

    /// A record the batch could not save for a passing reason (a lock, a server error): once
    /// more on its own, looked up first when it is not upserted.
    func writeAlone(_ sync: TaskSyncRecord, _ task: SalesforceTask, owner: String) async throws {
        do {
            let id: String
            if let field = configuration.externalIDField {
                id = try await salesforce.upsertTask(task, externalIDField: field, value: sync.callSID).id
            } else if let found = try await salesforce.findTasks(callObjects: [sync.callSID])[sync.callSID] {
                id = found
            } else {
                guard try await queue.markSent([sync.callSID], owner: owner, inFlight: writeTime).contains(sync.callSID) else { return }
                id = try await salesforce.createTask(task)
            }
            try await queue.recordSynced([sync.callSID: id], owner: owner)
        } catch let error as SalesforceError {
            try await handle(error, batch: [sync], owner: owner)
        }
    }

    /// Opt-outs heard on these calls set their Contacts' DoNotCall first, in one request; a
    /// sync whose Contact Salesforce refused to update is failed with the reason rather than
    /// synced without its opt-out.
    func setDoNotCall(_ batch: [TaskSyncRecord], owner: String) async throws -> [TaskSyncRecord] {
        let optOuts = batch.filter(\.optOutToSync)
        guard !optOuts.isEmpty else { return batch }
        // A call to a number alone has no Contact to mark: its opt-out is on the DNC list only.
        let contacts = Array(Set(optOuts.compactMap(\.contactSalesforceID)))
        var refused: [String: SalesforceRecordError] = [:]
        for chunk in stride(from: 0, to: contacts.count, by: 200).map({ Array(contacts[$0..<min($0 + 200, contacts.count)]) }) {
            refused.merge(try await salesforce.setDoNotCall(contactIDs: chunk)) { first, _ in first }
        }
        let failures = optOuts.compactMap { sync in
            sync.contactSalesforceID.flatMap { refused[$0] }.map {
                TaskSyncQueue.Refusal(callSID: sync.callSID, code: $0.statusCode, message: "Contact DoNotCall: \($0.message)")
            }
        }
        try await queue.recordFailed(failures, owner: owner)
        let failed = Set(failures.map(\.callSID))
        try await queue.recordDoNotCallSynced(optOuts.map(\.callSID).filter { !failed.contains($0) })
        return batch.filter { !failed.contains($0.callSID) }
    }

    /// A whole request failed: pause everything, give up on the records, or back off.
    func handle(_ error: SalesforceError, batch: [TaskSyncRecord], owner: String) async throws {
        let sids = batch.map(\.callSID)
        switch error {
        case .requestLimitExceeded(let message):
            let paused = try await pause.strike(base: configuration.requestLimitPause, cap: configuration.requestLimitPauseCap, reason: message)
            try await queue.release(sids, after: paused, code: "REQUEST_LIMIT_EXCEEDED", message: message, owner: owner)
            logger.warning("Salesforce request limit: every Task sync paused", metadata: ["pause_s": "\(Int(paused.seconds))"])
        case let .api(status, code, message, _) where status < 500 && Self.isRecordProblem(code):
            try await queue.recordFailed(sids.map { .init(callSID: $0, code: code, message: message) }, owner: owner)
            logger.warning("Task sync failed", metadata: ["syncs": "\(sids.count)", "error": "\(code)"])
        default:
            // An outage: the syncs stay pending, tried again later and later, never dropped.
            let attempts = (batch.map(\.attempts).max() ?? 0) + 1
            let delay = Duration.milliseconds(Int64(retryBackoff.delay(afterAttempt: attempts) * 1000))
            try await queue.release(sids, after: delay, code: error.errorCode ?? "UNAVAILABLE", message: "\(error)", owner: owner)
            logger.warning("Task sync held back", metadata: ["syncs": "\(sids.count)", "error": "\(error)"])
        }
    }

    /// Errors that are about the record itself and that retrying will not change.
    static func isRecordProblem(_ code: String) -> Bool {
        ![
            "UNKNOWN_EXCEPTION", "SERVER_UNAVAILABLE", "UNABLE_TO_LOCK_ROW", "REQUEST_RUNNING_TOO_LONG", "INVALID_SESSION_ID",
            "REQUEST_LIMIT_EXCEEDED",
        ]
        .contains(code)
    }
}
