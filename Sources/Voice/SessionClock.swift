/// A ``ConversationSession``'s time: how long since the session began, on whatever clock
/// it was given, so a test can run pacing faster than real time.
///
/// Wraps the clock in closures because `any Clock<Duration>` has no usable `Instant`:
/// measuring from one origin turns every instant into a plain `Duration`.
struct SessionClock: Sendable {
    private let elapsedNow: @Sendable () -> Duration
    private let sleeper: @Sendable (Duration) async throws -> Void

    init<C: Clock>(_ clock: C) where C.Duration == Duration {
        let origin = clock.now
        elapsedNow = { origin.duration(to: clock.now) }
        sleeper = { try await clock.sleep(until: origin.advanced(by: $0), tolerance: nil) }
    }

    /// Time since the session began.
    func elapsed() -> Duration { elapsedNow() }

    /// Sleeps until `deadline` after the session began; throws if the task is cancelled.
    func sleep(untilElapsed deadline: Duration) async throws {
        try await sleeper(deadline)
    }
}

extension Duration {
    /// Whole milliseconds, rounded toward zero.
    var wholeMilliseconds: Int {
        let (seconds, attoseconds) = components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }
}
