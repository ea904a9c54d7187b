/// How a ``TurnDetector`` tells the callee's speech from the line's noise, and how long a
/// silence ends their turn.
///
/// The defaults suit 20 ms frames of 8 kHz telephone audio. Levels are in dB relative to
/// full scale (a full-scale square wave is 0 dBFS); thresholds are dB above the noise floor.
public struct TurnDetectorConfiguration: Sendable, Equatable {
    /// Samples per second of the frames (Twilio Media Streams: 8000).
    public var sampleRate: Int
    /// Frames in a row above the onset threshold before speech may begin: one loud frame
    /// (a pop on the line) never starts anything.
    public var onsetFrames: Int
    /// How far above the noise floor a frame must be to begin speech.
    public var onsetThresholdDb: Double
    /// How far above the noise floor a frame must be to continue speech. Lower than the
    /// onset threshold, so a word's quiet tail does not flicker in and out of speech.
    public var continueThresholdDb: Double
    /// No frame quieter than this is speech, however quiet the line: keeps dither on a
    /// silent line, where the floor is near -100 dBFS, from counting.
    public var minimumSpeechLevelDb: Double
    /// A gap in speech shorter than this is part of it (the closure before a "t", the
    /// breath between words); after a longer one, speech must begin again with
    /// ``onsetFrames`` frames.
    public var hangoverMs: Int
    /// Speech must last this long to count (``TurnEvent/speechStarted(atMs:)``): a click,
    /// a cough or a line transient is shorter.
    public var minimumSpeechMs: Int
    /// The silence after speech that ends the callee's turn when nothing better is known.
    /// Longer interrupts people who pause mid-sentence less often; shorter answers sooner.
    public var endOfTurnSilenceMs: Int
    /// After this much silence the detector raises ``TurnEvent/paused(startMs:endMs:)``, so
    /// that what was said so far can end the turn at once (a complete answer) or make it
    /// wait longer (a hesitation, a phrase cut short). Nil: every turn waits
    /// ``endOfTurnSilenceMs``.
    public var pauseCheckMs: Int?
    /// The silence that ends a turn judged unfinished at its pause.
    public var unfinishedTurnSilenceMs: Int
    /// The noise floor is the quietest (lightly smoothed) frame level over this window,
    /// so it rises to steady noise within the window and speech never holds it up: people
    /// pause, and noise does not. Longer than any steady sound that should count as speech.
    /// Counted in frames of 20 ms.
    public var noiseFloorWindowMs: Int

    public init(
        sampleRate: Int = 8000,
        onsetFrames: Int = 3,
        onsetThresholdDb: Double = 10,
        continueThresholdDb: Double = 6,
        minimumSpeechLevelDb: Double = -50,
        hangoverMs: Int = 200,
        minimumSpeechMs: Int = 200,
        endOfTurnSilenceMs: Int = 700,
        pauseCheckMs: Int? = 180,
        unfinishedTurnSilenceMs: Int = 1200,
        noiseFloorWindowMs: Int = 1500
    ) {
        self.sampleRate = sampleRate
        self.onsetFrames = onsetFrames
        self.onsetThresholdDb = onsetThresholdDb
        self.continueThresholdDb = continueThresholdDb
        self.minimumSpeechLevelDb = minimumSpeechLevelDb
        self.hangoverMs = hangoverMs
        self.minimumSpeechMs = minimumSpeechMs
        self.endOfTurnSilenceMs = endOfTurnSilenceMs
        self.pauseCheckMs = pauseCheckMs.map { min(max(20, $0), endOfTurnSilenceMs) }
        self.unfinishedTurnSilenceMs = max(endOfTurnSilenceMs, unfinishedTurnSilenceMs)
        self.noiseFloorWindowMs = noiseFloorWindowMs
    }
}
