import Logging
import Queue
import Store

/// `erase_phone`: puts the number on the DNC list, then removes or masks it, and the words of
/// its calls, everywhere the dialer keeps them (`dialer.erase_phone`), batched like a purge.
/// Once done, its own arguments keep only the last four digits: the DNC list is the one place
/// the number stays, so that it is not called again.
///
/// Leads to: nothing. Salesforce is not touched: the CRM's records are the operator's to erase.
public struct ErasePhoneHandler: JobWorker {
    public typealias Args = ErasePhoneArgs
    let store: PrivacyStore
    let pacing: PrivacyPacing
    let logger: Logger

    public init(database: Database, pacing: PrivacyPacing = PrivacyPacing(), logger: Logger) {
        store = PrivacyStore(database: database)
        self.pacing = pacing
        self.logger = logger
    }

    public func run(_ args: ErasePhoneArgs, job: Job) async throws -> JobOutcome {
        // A number already masked: this job finished its erasure before.
        guard let phone = PhoneNumber(e164: args.phone) else { return .completed }
        let masked = phone.masked
        let action = try await store.begin("erase", jobID: job.id, maskedPhone: masked)
        let (counts, finished) = try await PrivacyBatches(store: store, pacing: pacing).run(action: action) {
            try await store.eraseBatch(phone: phone.e164, limit: pacing.batchSize)
        } isDone: {
            $0.calls == 0 && $0.contacts == 0
        }
        guard finished else { return .snoozed(.zero) }
        try await store.maskJobArguments(jobID: job.id, maskedPhone: masked)
        logger.notice("number erased and listed as not to be called", metadata: ["phone": "\(masked)", "calls": "\(counts.calls)"])
        return .completed
    }
}
