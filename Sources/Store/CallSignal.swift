/// Something a live call's conversation must act on, sent to whichever `dialer serve`
/// process holds the call's media stream: Twilio's callbacks for a call may reach any
/// process behind the load balancer, and its media stream is held by one.
///
/// Sent with NOTIFY on ``channel`` (``CallStore/signal(_:)``) as `<kind>:<CallSid>`.
public enum CallSignal: Sendable, Equatable {
    /// An answering machine's greeting has ended: leave the voicemail message.
    case leaveVoicemail(callSID: String)

    public static let channel = "dialer_calls"

    public var payload: String {
        switch self {
        case .leaveVoicemail(let callSID): "voicemail:\(callSID)"
        }
    }

    /// A payload read back; nil for one this binary does not know (a newer process sent it).
    public init?(payload: String) {
        guard let colon = payload.firstIndex(of: ":") else { return nil }
        let sid = String(payload[payload.index(after: colon)...])
        switch payload[..<colon] {
        case "voicemail" where !sid.isEmpty: self = .leaveVoicemail(callSID: sid)
        default: return nil
        }
    }
}
