/// What a ``TurnDetector`` noticed in the callee's audio. Times are the stream's own
/// milliseconds (the `at` the frames were given with), not the wall clock.
public enum TurnEvent: Sendable, Equatable {
    /// The callee has been speaking for the configuration's minimum speech length; `atMs` is
    /// when the speech began, so it reaches back before the event. Barge-in acts on this:
    /// a click or a cough never raises it.
    case speechStarted(atMs: Int)
    /// The callee stopped speaking for the end-of-turn silence: the turn from `startMs` to
    /// `endMs` (the end of its last speech frame) is complete and can be transcribed. It is
    /// raised one end-of-turn silence after `endMs`.
    case turnEnded(startMs: Int, endMs: Int)
    /// The callee has been silent for ``TurnDetectorConfiguration/pauseCheckMs`` after the
    /// speech of a turn that began at `startMs` and last sounded at `endMs`: whether they
    /// have finished is for what they said to decide (``TurnDetector/endTurn(pausedAfterMs:)``,
    /// ``TurnDetector/waitLonger(pausedAfterMs:)``). Raised once per pause.
    case paused(startMs: Int, endMs: Int)
}
