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
    public var rateHeadroom = 0.007
    /// A job waits for a slot at most this long; beyond it, it snoozes and comes back when
    /// the slots handed out are nearly used. Long enough for every job a worker runs at once
    /// to hold a slot (concurrency / rate), so jobs do not spin on a full limiter; a worker
    /// that dies wastes the slots its jobs held, at most this many seconds of calls.
    public var maxSlotWait: Duration = .seconds(10)
    /// The attempt row is committed this long before its slot.
    public var attemptLead: Duration = .seconds(1)
    /// A call that would start later than its slot by more than this gives the slot up and
    /// takes a new one: dialing late crowds the next second.
    public var lateSlotTolerance: Duration = .milliseconds(3)
    /// Creates one worker process has under way at once, at most: fewer than the HTTP client's
    /// connections to Twilio (8 per host), so a create never waits for a connection and goes
    /// out late, bunched with others, when Twilio answers slowly. A slot that finds them all
    /// busy is given up. 6 creates in flight carry 30 calls/s at 200 ms a create; run more
    /// worker processes for more.
    public var maxCreatesInFlight = 6
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
    /// One run of place_call takes its slot wait, a Twilio request or two (15 s timeout each,
    /// with retries when Twilio was cold or a reconciliation lists calls) and a few queries;
    /// the runner gives up on one that takes longer than this.
    public var runTimeout: Duration = .seconds(120)

    /// How long before the end of a window a call may still start: it may wait
    /// `maxSlotWait` for its slot, then ring for `ringTimeout`.
    public var ringAndSlotWait: Duration { .seconds(ringTimeout) + maxSlotWait }

    public init(publicURL: String, accountSID: String) {
        self.publicURL = publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
        limiterKey = "twilio:\(accountSID)"
    }
}

/// What the PlaceCall job tells about its pacing, for metrics and `dialer-lab bench pacing`.
public protocol DialingObserver: Sendable {
    /// A rate slot was reserved (or found full) in `latency`: one round trip to Postgres.
    func slotReserved(latency: Duration)
    /// The call was posted `late` after its slot started.
    func callPosted(late: Duration)
    /// The job woke `late` for its slot, gave it up, and will take another.
    func slotMissed(late: Duration)
}

/// Observes nothing.
public struct NoDialingObserver: DialingObserver {
    public init() {}
    public func slotReserved(latency: Duration) {}
    public func callPosted(late: Duration) {}
    public func slotMissed(late: Duration) {}
}
