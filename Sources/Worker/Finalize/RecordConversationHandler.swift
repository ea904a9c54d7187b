import Logging
import Queue
import Salesforce
import Store

/// `record_conversation`: what a media service could not write itself (Postgres was away, or
/// its process was stopping) and handed off: transcript entries, an opt-out and a callback. Retried with
/// backoff like any job, so an opt-out heard on a call always reaches `dialer.dnc`; and since
/// it may land after the call's Task was synced, it then sets the Contact's DoNotCall itself,
/// as the finalizer would have.
///
/// Leads to: nothing.
public struct RecordConversationHandler: JobWorker {
    public typealias Args = RecordConversationArgs
    let streams: MediaStreamStore
    let syncs: TaskSyncQueue
    let salesforce: SalesforceClient
    let logger: Logger

    public init(database: Database, salesforce: SalesforceClient, logger: Logger) {
        streams = MediaStreamStore(database: database)
        syncs = TaskSyncQueue(database: database)
        self.salesforce = salesforce
        self.logger = logger
    }

    public func run(_ leftovers: RecordConversationArgs, job: Job) async throws -> JobOutcome {
        let refused = try await streams.appendEach(leftovers.entries, callSID: leftovers.callSID, attemptID: leftovers.attemptID)
        for entry in refused {
            logger.error("transcript entry refused by Postgres: left out", metadata: ["call_sid": "\(leftovers.callSID)", "seq": "\(entry.seq)"])
        }
        if let callback = leftovers.callback {
            try await streams.recordCallback(callback, attemptID: leftovers.attemptID)
            logger.info("callback scheduled", metadata: ["call_sid": "\(leftovers.callSID)", "from": "\(callback.from)"])
        }
        guard leftovers.optOut else { return .completed }
        _ = try await streams.recordOptOut(callSID: leftovers.callSID, attemptID: leftovers.attemptID)
        logger.notice("callee opted out: number added to the DNC list", metadata: ["call_sid": "\(leftovers.callSID)"])
        if let contact = try await syncs.doNotCallStillToSync(callSID: leftovers.callSID) {
            if let refusal = try await salesforce.setDoNotCall(contactIDs: [contact])[contact] {
                // Salesforce's word on this record will not change by retrying.
                throw PermanentFailure("Contact DoNotCall refused: \(refusal.statusCode): \(refusal.message)")
            }
            try await syncs.recordDoNotCallSynced([leftovers.callSID])
        }
        return .completed
    }
}
