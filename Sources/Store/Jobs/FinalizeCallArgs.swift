import Queue

/// `finalize_call`: writes an ended call's Task to Salesforce (FinalizeCallHandler). Enqueued a
/// grace after the end of the call (`dialer.end_calls`) and by the operator's retry
/// (`dialer.retry_task_sync`), both through `dialer.enqueue_jobs`.
public struct FinalizeCallArgs: JobArgs {
    public static let kind = "finalize_call"

    public let callSID: String

    public init(callSID: String) {
        self.callSID = callSID
    }

    /// `finalize:<CallSid>`, as `dialer.finalize_key` makes it: one open finalize per call.
    public var uniqueKey: String? { "finalize:\(callSID)" }
}
