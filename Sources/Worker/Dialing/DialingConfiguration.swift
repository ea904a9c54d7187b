import Foundation

/// How the PlaceCall job dials.
public struct DialingConfiguration: Sendable {
    /// The webhooks' public base URL (`https://dialer.example.com`): Twilio fetches TwiML and
    /// sends callbacks there, each URL carrying the attempt id.
    public var publicURL: String
    /// The Twilio account's calls per second, shared by every worker: the global limit.
    public var accountCallsPerSecond: Double = 1
    /// The account limiter's row key: one per Twilio account.
    public var limiterKey: String
    /// Slots are spaced this fraction wider than 1/rate, so that a few milliseconds of jitter
    /// between a slot and Twilio receiving the request cannot put rate + 1 calls in a second.
    public var rateHeadroom = 0.005
    /// A job waits for a slot at most this long; beyond it, it snoozes and lets others wait.
    public var maxSlotWait: Duration = .seconds(2)
    /// A call that would start later than its slot by more than this gives the slot up and
    /// takes a new one: dialing late crowds the next second.
    public var lateSlotTolerance: Duration = .milliseconds(4)
    /// Seconds to let a call ring (Twilio's Timeout); the last call of a window starts this early.
    public var ringTimeout = 30
    /// Answering-machine detection, reported to `/twilio/amd`.
    public var machineDetection = true
    /// An attempt this old that Twilio's Calls list does not show was never placed. Longer
    /// than any request timeout, so a slow create cannot be mistaken for a missing one.
    public var reconcileAfter: Duration = .seconds(120)
    /// Twilio's clock and ours may differ; calls created this much before an attempt still match it.
    public var clockSkew: Duration = .seconds(60)
    /// A paused campaign's jobs look again after this long.
    public var pausedRecheck: Duration = .seconds(30)
    /// A campaign at its max calls in flight: look again after this long.
    public var capacityRecheck: Duration = .seconds(2)

    public init(publicURL: String, accountSID: String) {
        self.publicURL = publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
        limiterKey = "twilio:\(accountSID)"
    }
}

/// Test hooks at the two instants a crash matters most. `dialer worker` sets them from
/// `DIALER_FAULT` (`kill-before-call-post`, `kill-after-call-post`) for the crash tests.
public struct DialingFaults: Sendable {
    /// After the attempt row is committed, before the POST.
    public var beforeCallPost: (@Sendable () -> Void)?
    /// After Twilio accepted the call, before its CallSid is recorded.
    public var afterCallPost: (@Sendable () -> Void)?

    public init() {}
}
