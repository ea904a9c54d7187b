/// How the finalizer writes Tasks.
public struct FinalizeConfiguration: Sendable {
    /// The Task's external-ID field keyed by CallSid (`CallSid__c`); when set, Tasks are
    /// upserted on it, otherwise looked up by `CallObject` before being created.
    public var externalIDField: String?
    /// Task Status for an answered call, and for one that was not.
    public var answeredStatus = "Completed"
    public var notAnsweredStatus = "Not Answered"
    /// Syncs written per Salesforce request (composite/sobjects takes 200).
    public var batchSize = 200
    /// How long past its due time a sync waits for the call's media stream to close.
    public var streamWait: Duration = .seconds(60)
    /// How long a run holds its leased syncs; an expired lease frees them for another run.
    /// Longer than a write can take (the client's timeout times its retries), so that a run
    /// still writing never has its syncs taken by another.
    public var lease: Duration = .seconds(300)
    /// REQUEST_LIMIT_EXCEEDED pauses every sync this long, doubled per strike in a row.
    public var requestLimitPause: Duration = .seconds(60)
    public var requestLimitPauseCap: Duration = .seconds(3600)
    /// After a pause, one run alone writes; the others wait this long for its answer.
    public var requestLimitProbe: Duration = .seconds(30)

    public init(externalIDField: String? = nil) {
        self.externalIDField = externalIDField
    }
}
