/// How a ``ConversationSession`` listens, paces its speech and handles the awkward cases.
public struct ConversationConfiguration: Sendable, Equatable {
    /// How the callee's turns are found in their audio. Its sample rate is the call's
    /// (8000 for Twilio), which the agent's audio must match too.
    public var turnDetection: TurnDetectorConfiguration
    /// How the agent's audio is sent.
    public var pacing: PlaybackPacing
    /// Audio kept from before the detected onset of a turn: the detector's onset is where
    /// speech rose clearly above the noise, and a soft first consonant begins before that.
    public var preRollMs: Int
    /// Audio kept after a turn's last speech frame: recognizers want a little silence
    /// after the last word, and a final "s" may be below the detector's threshold.
    public var postRollMs: Int
    /// A turn shorter than this that the recognizer made nothing of, and that did not cut
    /// the agent off, is taken for noise (a cough, a door, a television): no transcript
    /// entry and no reply, so a noisy line does not make the agent say "sorry?" again and
    /// again. Longer unrecognized speech gets `reply(to: nil)`, so the agent can ask again.
    public var shortestUnrecognizedTurnMs: Int
    /// Audio beyond this much of one turn is not kept for the recognizer: bounds memory per
    /// call if a line's noise is taken for endless speech.
    public var maximumTurnMs: Int
    /// Whether the callee can cut the opening off. No by default: people often say
    /// "hello?" as they pick up, and the opening carries the disclosure that the voice is
    /// artificial and how to opt out. What they say is still heard and answered after it.
    public var openingIsInterruptible: Bool
    /// Said before hanging up when the agent (or its speech) fails and there is no reply
    /// to give; nil hangs up without a word.
    public var failureMessage: String?

    public init(
        turnDetection: TurnDetectorConfiguration = TurnDetectorConfiguration(),
        pacing: PlaybackPacing = PlaybackPacing(),
        preRollMs: Int = 300,
        postRollMs: Int = 300,
        shortestUnrecognizedTurnMs: Int = 500,
        maximumTurnMs: Int = 30_000,
        openingIsInterruptible: Bool = false,
        failureMessage: String? = "I'm sorry, something went wrong on our end. Goodbye."
    ) {
        self.turnDetection = turnDetection
        self.pacing = pacing
        self.preRollMs = preRollMs
        self.postRollMs = postRollMs
        self.shortestUnrecognizedTurnMs = shortestUnrecognizedTurnMs
        self.maximumTurnMs = maximumTurnMs
        self.openingIsInterruptible = openingIsInterruptible
        self.failureMessage = failureMessage
    }
}

/// How the agent's audio goes out: at the rate it plays, a bounded time ahead.
///
/// Twilio buffers what it is sent and plays it in order; sending a whole reply at once
/// would work, but then a barge-in's `clear` throws away seconds of audio Twilio already
/// holds, and the session could not tell how far playback had got. Keeping a short lead
/// costs little (Twilio never starves while the lead lasts) and makes both precise.
public struct PlaybackPacing: Sendable, Equatable {
    /// How far ahead of playback the session keeps Twilio's buffer filled.
    public var leadMs: Int
    /// The lead is topped up when it has fallen by this much: the pacer wakes about
    /// `1000 / refillMs` times a second per speaking call, not 50.
    public var refillMs: Int
    /// A mark goes out after every this much of an utterance (and one at its end), so a
    /// barge-in knows where playback was to within this.
    public var markIntervalMs: Int
    /// If Twilio has not echoed the last mark of a hang-up reply this long after its
    /// audio should have finished, the session hangs up anyway.
    public var hangUpMarkTimeoutMs: Int

    public init(leadMs: Int = 300, refillMs: Int = 100, markIntervalMs: Int = 1000, hangUpMarkTimeoutMs: Int = 3000) {
        self.leadMs = max(20, leadMs)
        self.refillMs = min(max(20, refillMs), self.leadMs)
        self.markIntervalMs = max(20, markIntervalMs)
        self.hangUpMarkTimeoutMs = max(0, hangUpMarkTimeoutMs)
    }
}
