import ArgumentParser

/// How `dialer worker` writes Tasks; each flag overrides its environment variable.
public struct FinalizeOptions: ParsableArguments, Sendable {
    @Option(
        help:
            "The Task's external-ID field that holds the CallSid, such as CallSid__c; Tasks are then upserted on it ($DIALER_TASK_EXTERNAL_ID_FIELD)."
    )
    public var taskExternalIDField: String?

    @Option(help: "Task Status for an answered call ($DIALER_TASK_STATUS_ANSWERED, default Completed).")
    public var taskStatusAnswered: String?

    @Option(help: "Task Status for a call nobody answered ($DIALER_TASK_STATUS_NOT_ANSWERED, default Not Answered).")
    public var taskStatusNotAnswered: String?

    public init() {}

    /// The environment with these flags laid over it.
    public func environment(_ base: [String: String]) -> [String: String] {
        var merged = base
        if let taskExternalIDField { merged["DIALER_TASK_EXTERNAL_ID_FIELD"] = taskExternalIDField }
        if let taskStatusAnswered { merged["DIALER_TASK_STATUS_ANSWERED"] = taskStatusAnswered }
        if let taskStatusNotAnswered { merged["DIALER_TASK_STATUS_NOT_ANSWERED"] = taskStatusNotAnswered }
        return merged
    }
}
