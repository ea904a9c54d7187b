import Queue

/// `publish_call_ended`: records an ended call's `call.ended` event once its transcript is in
/// (PublishCallEndedHandler). Enqueued by `dialer.end_calls` with the finalize job, when an
/// endpoint receives `call.ended`.
public struct PublishCallEndedArgs: JobArgs {
    public static let kind = "publish_call_ended"

    public let callSID: String

    public init(callSID: String) {
        self.callSID = callSID
    }

    /// `call_ended:<CallSid>`, as `dialer.call_ended_key` makes it.
    public var uniqueKey: String? { "call_ended:\(callSID)" }
}
