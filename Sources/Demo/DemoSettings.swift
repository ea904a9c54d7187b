import Foundation
import Sandbox

/// What `dialer-lab demo` runs: how many contacts, how fast, and how the Sandbox callees behave.
public struct DemoSettings: Sendable {
    public var contacts = 200
    /// The Twilio account's calls per second, and the campaign's.
    public var rate = 5.0
    /// Demo seconds per real second for calling windows (see `DemoClock`).
    public var clockFactor = 120.0
    /// Seeds the Sandbox's contacts: the same seed, the same list.
    public var seed: UInt64 = 7
    /// Calls in flight at once, at most (the campaign's cap).
    public var maxConcurrentCalls = 60
    /// Attempts per contact, and the waits before the next one (real seconds: the demo's
    /// retries come back within its minute, where a real campaign waits minutes to hours).
    public var maxAttempts = 2
    public var retryDelays: [String: Int] = ["busy": 15, "no-answer": 15, "machine": 20, "failed": 15]
    /// How the Sandbox's calls end: mostly people, some machines, busy lines and no answers.
    public var outcomes: [WeightedOutcome] = [
        .init(.human, weight: 50), .init(.machine, weight: 15), .init(.busy, weight: 15),
        .init(.noAnswer, weight: 12), .init(.failed, weight: 5), .init(.refused(status: 400, code: 21217), weight: 3),
    ]
    /// What people say, by a hash of their number: most agree and pick a time to be called
    /// back (their callbacks are scheduled, due after the demo), some decline, some opt out,
    /// some talk over the agent, some ask for a person. Machines play their greeting and a
    /// beep, and get the script's message after it.
    public var calleeScripts: [CalleeScript] = [
        .says("yes", "tomorrow afternoon"), .says("yes", "monday morning"), .says("no"), .says("yes", "morning"),
        CalleeScript([.init("yes"), .init("afternoon", cue: .duringAgent(after: .seconds(1)))]), .says("stop calling me"),
        .says("operator"),
    ]
    /// Machines get the agent's message after the beep (`leave_message`).
    public var voicemailPolicy = "leave_message"
    /// Where callees who ask for a person are put through; someone is always there.
    public var transferNumber = "+14155550199"
    public var fromNumber = "+14155550100"
    /// The campaign's filter, as an operator writes it.
    public var filter = "LastName != null"

    public init() {}
}
