import Foundation
import Logging
import Queue
import Store
import Twilio

/// `reconcile_calls`: one job that never ends, asking Twilio about calls whose status
/// callbacks stopped coming, and recording what Twilio says as if its callback had arrived.
///
/// Twilio does not send a status callback again when our service could not take it (it was
/// restarting, a load balancer dropped it). Without this, such a call would stay `ringing` or
/// `in-progress` for ever: its contact never retried or given an outcome, its Task never
/// written. Every `quietFor`, calls placed and not ended that have heard nothing for that long
/// are fetched from Twilio's Calls resource; an ended one is recorded through the same path
/// as a callback (`CallStore.record`: retry policy, finalize job, Task sync, all once), with
/// a SequenceNumber of its own so it never collides with one of Twilio's.
///
/// Leads to: for each call it finds ended, what a callback would have enqueued
/// (`dialer.end_calls`): the contact's next `place_call` if the retry policy calls again, and
/// the call's `finalize_call`.
public struct ReconcileCallsHandler: JobWorker {
    public typealias Args = ReconcileCallsArgs
    /// `SequenceNumber` of a reconciled status: past any real call's callbacks.
    public static let sequenceNumber = 1_000_000
    let calls: CallStore
    let twilio: TwilioClient
    let quietFor: Duration
    let interval: Duration
    let logger: Logger

    public init(database: Database, twilio: TwilioClient, quietFor: Duration = .seconds(300), interval: Duration = .seconds(60), logger: Logger) {
        calls = CallStore(database: database, statusWriters: 1)
        self.twilio = twilio
        self.quietFor = quietFor
        self.interval = interval
        self.logger = logger
    }

    /// The job every worker that dials makes sure exists (one, by its unique key).
    public static func schedule(_ queue: JobQueue) async throws {
        try await queue.ensureRecurring(ReconcileCallsArgs())
    }

    public func run(_ args: ReconcileCallsArgs, job: Job) async throws -> JobOutcome {
        let stale = try await calls.staleCalls(quiet: quietFor, limit: 200)
        var settled = 0
        for call in stale {
            do {
                if try await reconcile(call) { settled += 1 }
            } catch {
                // One call Twilio cannot tell us about now does not hold back the others.
                logger.warning("could not reconcile a call", metadata: ["call_sid": "\(call.callSID)", "error": "\(error)"])
            }
        }
        if settled > 0 { logger.notice("calls ended without their callback, settled from Twilio", metadata: ["calls": "\(settled)"]) }
        return .snoozed(interval)
    }

    /// Records Twilio's word on one call if it has ended; true when that ended it here.
    func reconcile(_ call: CallStore.StaleCall) async throws -> Bool {
        let fetched = try await twilio.call(sid: call.callSID)
        var event = CallStatusEvent(
            callSID: call.callSID,
            attemptID: call.attemptID,
            sequenceNumber: Self.sequenceNumber,
            status: fetched.status,
            parameters: ["CallSid": call.callSID, "CallStatus": fetched.status, "Source": "reconcile_calls"]
        )
        guard event.isTerminal, CallStatusEvent.statuses.contains(fetched.status) else { return false }
        if let duration = fetched.duration.flatMap(Int.init) {
            event.durationSeconds = duration
            event.parameters["CallDuration"] = String(duration)
        }
        if let answeredBy = fetched.answered_by, !answeredBy.isEmpty {
            event.answeredBy = answeredBy
            event.parameters["AnsweredBy"] = answeredBy
        }
        if case .recorded(_, let ended?) = try await calls.record(event) {
            logger.info(
                "call settled from Twilio",
                metadata: ["call_sid": "\(call.callSID)", "status": "\(fetched.status)", "contact": "\(ended.contactID)"]
            )
            return true
        }
        return false
    }
}
