import Logging
import Queue
import Store

/// `publish_call_ended`: records an ended call's `call.ended` event, with its outcome and its
/// whole transcript, and queues its deliveries.
///
/// The end of the call (`dialer.end_calls`) queued this job in the transaction that ended the
/// call, due a grace later, as it queued the finalize job. The transcript is complete only
/// once the media stream has closed, so the job waits for that, as the finalizer does: at
/// most `streamWait` past the call's end (a stream whose server died is never closed). It
/// never waits for Salesforce: an outage there holds back Tasks, not events. Publishing is
/// once per call (`dialer.publish_event`, by the subject `call.ended:<CallSid>`), so a run
/// that dies after publishing and runs again publishes nothing twice.
///
/// Leads to: `deliver_webhook`, one per endpoint receiving `call.ended` (`dialer.publish_event`).
public struct PublishCallEndedHandler: JobWorker {
    public typealias Args = PublishCallEndedArgs
    let events: WebhookEventStore
    let streamWait: Duration
    let logger: Logger

    public init(database: Database, streamWait: Duration = .seconds(60), logger: Logger) {
        events = WebhookEventStore(database: database)
        self.streamWait = streamWait
        self.logger = logger
    }

    public func run(_ args: PublishCallEndedArgs, job: Job) async throws -> JobOutcome {
        switch try await events.callEnded(callSID: args.callSID, streamWait: streamWait) {
        case .unknownCall:
            throw PermanentFailure("no ended call \(args.callSID) to publish")
        case .streamOpen(let left):
            // Checked again soon: most streams close within a second or two of the call's end.
            return .snoozed(min(max(left, .milliseconds(500)), .seconds(2)))
        case .ready(let event):
            let id = try await events.publish(event)
            logger.debug("call.ended published", metadata: ["call_sid": "\(args.callSID)", "event_id": "\(id ?? "none")"])
            return .completed
        }
    }
}
