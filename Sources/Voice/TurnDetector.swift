/// Finds the callee's turns in the call's audio, frame by frame: when they start
/// speaking, and when they have finished and are waiting for an answer.
///
/// Each frame's level is compared with an adaptive noise floor (the quietest recent
/// frames, so steady noise becomes the floor and is never speech): speech
/// begins after ``TurnDetectorConfiguration/onsetFrames`` frames above the onset threshold
/// and counts once it has lasted ``TurnDetectorConfiguration/minimumSpeechMs``; it
/// continues through gaps shorter than the hangover at a lower threshold, and the turn ends
/// after ``TurnDetectorConfiguration/endOfTurnSilenceMs`` without speech. Speech that
/// stops before its minimum length (a click, a knock) is forgotten without an event.
///
/// A value type with no clock of its own: give it every frame of one call in order with
/// the frame's stream time, e.g. 160 samples at 8 kHz every 20 ms.
public struct TurnDetector: Sendable {
    public let configuration: TurnDetectorConfiguration

    private var noiseFloor: NoiseFloor
    private var phase = Phase.silence
    /// Consecutive frames classified as speech, and when the first of them began.
    private var run = 0
    private var runStartMs = 0
    private var lastFloorDb = -100.0
    /// The current turn's end-of-turn silence: the configuration's, or longer once the turn
    /// was judged unfinished at a pause.
    private var turnSilenceMs: Int
    /// The pause after this speech end has been reported.
    private var pauseReportedAfterMs: Int?

    private enum Phase: Sendable {
        case silence
        /// Speech that has not yet lasted the minimum length: a turn, or a click.
        case onset(startMs: Int, lastSpeechEndMs: Int)
        /// A turn in progress, reported with `speechStarted`.
        case speaking(startMs: Int, lastSpeechEndMs: Int)
    }

    public init(configuration: TurnDetectorConfiguration = TurnDetectorConfiguration()) {
        self.configuration = configuration
        // The window in frames, assuming the usual 20 ms frame.
        noiseFloor = NoiseFloor(windowFrames: max(1, configuration.noiseFloorWindowMs / 20))
        turnSilenceMs = configuration.endOfTurnSilenceMs
    }

    /// The noise floor after the last frame, in dBFS (for logs and tuning).
    public var noiseFloorDb: Double { lastFloorDb }

    /// Whether the callee is mid-turn: speaking, or in a pause shorter than the end of turn.
    public var isInTurn: Bool {
        if case .speaking = phase { return true }
        return false
    }

    /// Takes the next frame, which began at stream time `ms`, and returns the events it
    /// brings about (most frames: none).
    public mutating func process(frame: some Collection<Int16>, at ms: Int) -> [TurnEvent] {
        guard !frame.isEmpty else { return [] }
        let durationMs = frame.count * 1000 / configuration.sampleRate
        let endMs = ms + durationMs
        let power = Self.meanPower(of: frame)
        let floor = noiseFloor.update(power: power)
        lastFloorDb = floor

        let threshold = max(
            floor + (isListening(atMs: ms) ? configuration.continueThresholdDb : configuration.onsetThresholdDb),
            configuration.minimumSpeechLevelDb
        )
        let isSpeech = decibels(power: power) >= threshold
        if isSpeech {
            if run == 0 { runStartMs = ms }
            run += 1
        } else {
            run = 0
        }

        var events: [TurnEvent] = []
        switch phase {
        case .silence:
            if run >= configuration.onsetFrames {
                phase = .onset(startMs: runStartMs, lastSpeechEndMs: endMs)
                confirmOnset(into: &events)
            }
        case .onset(let startMs, let lastSpeechEndMs):
            if isSpeech {
                phase = .onset(startMs: startMs, lastSpeechEndMs: endMs)
                confirmOnset(into: &events)
            } else if endMs - lastSpeechEndMs >= configuration.hangoverMs {
                phase = .silence
            }
        case .speaking(let startMs, let lastSpeechEndMs):
            // Within the hangover any speech frame continues the turn; after it, speech
            // must begin again as it did the first time, so one pop does not hold the turn.
            let resumes = ms - lastSpeechEndMs < configuration.hangoverMs || run >= configuration.onsetFrames
            if isSpeech && resumes {
                phase = .speaking(startMs: startMs, lastSpeechEndMs: endMs)
                // Judged again at the next pause.
                turnSilenceMs = configuration.endOfTurnSilenceMs
            } else if endMs - lastSpeechEndMs >= turnSilenceMs {
                events.append(.turnEnded(startMs: startMs, endMs: lastSpeechEndMs))
                endTurn()
            } else if let pauseMs = configuration.pauseCheckMs, endMs - lastSpeechEndMs >= pauseMs,
                pauseReportedAfterMs != lastSpeechEndMs
            {
                pauseReportedAfterMs = lastSpeechEndMs
                events.append(.paused(startMs: startMs, endMs: lastSpeechEndMs))
            }
        }
        return events
    }

    /// The stream ended (the call hung up, or the stream stopped): a turn in progress ends
    /// at its last speech, without waiting for the end-of-turn silence.
    public mutating func finish() -> [TurnEvent] {
        defer { reset() }
        if case .speaking(let startMs, let lastSpeechEndMs) = phase {
            return [.turnEnded(startMs: startMs, endMs: lastSpeechEndMs)]
        }
        return []
    }

    /// Ends the turn now, if the callee is still silent after the speech that ended at
    /// `endMs` (what they said there was judged a complete answer): the turn it returns is
    /// the one ``TurnEvent/turnEnded(startMs:endMs:)`` would have reported later. Nil when
    /// they have spoken again since, or the turn already ended.
    public mutating func endTurn(pausedAfterMs endMs: Int) -> TurnEvent? {
        guard case .speaking(let startMs, let lastSpeechEndMs) = phase, lastSpeechEndMs == endMs else { return nil }
        endTurn()
        return .turnEnded(startMs: startMs, endMs: endMs)
    }

    /// The callee's words at the pause after `endMs` sound unfinished: this turn ends only
    /// after ``TurnDetectorConfiguration/unfinishedTurnSilenceMs``. Nothing changes if they
    /// have spoken again since.
    public mutating func waitLonger(pausedAfterMs endMs: Int) {
        guard case .speaking(_, let lastSpeechEndMs) = phase, lastSpeechEndMs == endMs else { return }
        turnSilenceMs = configuration.unfinishedTurnSilenceMs
    }

    private mutating func endTurn() {
        phase = .silence
        turnSilenceMs = configuration.endOfTurnSilenceMs
        pauseReportedAfterMs = nil
    }

    /// Forgets the stream, noise floor included, as if the detector were new.
    public mutating func reset() {
        self = TurnDetector(configuration: configuration)
    }

    /// Whether a frame at `ms` is judged by the lower, continuing threshold: during onset,
    /// and within the hangover of a turn's last speech.
    private func isListening(atMs ms: Int) -> Bool {
        switch phase {
        case .silence: false
        case .onset: true
        case .speaking(_, let lastSpeechEndMs): ms - lastSpeechEndMs < configuration.hangoverMs
        }
    }

    private mutating func confirmOnset(into events: inout [TurnEvent]) {
        guard case .onset(let startMs, let lastSpeechEndMs) = phase,
            lastSpeechEndMs - startMs >= configuration.minimumSpeechMs
        else { return }
        phase = .speaking(startMs: startMs, lastSpeechEndMs: lastSpeechEndMs)
        events.append(.speechStarted(atMs: startMs))
    }

    /// Mean power as a fraction of full scale squared.
    private static func meanPower(of frame: some Collection<Int16>) -> Double {
        var sum = 0.0
        for sample in frame {
            let value = Double(sample)
            sum += value * value
        }
        return sum / Double(frame.count) / (32768.0 * 32768.0)
    }
}
