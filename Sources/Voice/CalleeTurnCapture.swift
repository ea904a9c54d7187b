/// The callee's audio as it arrives, decoded, kept so that each turn can go to
/// speech-to-text whole.
///
/// The turn detector confirms speech some 200 ms after it began, and the recognizer wants
/// a little lead-in before even that, so the latest audio is always kept in a short ring;
/// when a turn begins its samples are taken from there, and the turn's later frames are
/// appended as they come. Frames are decoded into one reused buffer: no allocation per
/// frame outside a turn.
struct CalleeTurnCapture: Sendable {
    private let samplesPerMs: Int
    /// The latest frame, decoded.
    private(set) var frame: [Int16] = []
    private var ring: [Int16]
    private var ringNext = 0
    private var ringCount = 0
    private var turn: [Int16]?
    /// Stream time of the turn buffer's first sample.
    private var turnStartMs = 0
    private let maximumTurnSamples: Int

    /// `ringMs` must cover the pre-roll plus how far back the detector's onset can be
    /// when it confirms speech.
    init(sampleRate: Int, ringMs: Int, maximumTurnMs: Int) {
        samplesPerMs = max(1, sampleRate / 1000)
        ring = Array(repeating: 0, count: max(1, ringMs * samplesPerMs))
        maximumTurnSamples = max(1, maximumTurnMs * samplesPerMs)
    }

    /// Whether a turn is being collected.
    var isCollecting: Bool { turn != nil }

    /// Decodes one mu-law payload into ``frame`` and keeps it.
    mutating func append(_ payload: [UInt8]) {
        if frame.count != payload.count {
            frame = Array(repeating: 0, count: payload.count)
        }
        payload.withUnsafeBufferPointer { codes in
            frame.withUnsafeMutableBufferPointer { MuLaw.decode(codes, into: $0) }
        }
        ring.withUnsafeMutableBufferPointer { ring in
            for sample in frame {
                ring[ringNext] = sample
                ringNext = ringNext + 1 == ring.count ? 0 : ringNext + 1
            }
        }
        ringCount = min(ringCount + frame.count, ring.count)
        if let collected = turn?.count, collected < maximumTurnSamples {
            turn!.append(contentsOf: frame.prefix(maximumTurnSamples - collected))
        }
    }

    /// Starts collecting a turn from stream time `fromMs`, reaching back into the ring; the
    /// last frame appended ended at `frameEndMs`.
    mutating func beginTurn(fromMs: Int, frameEndMs: Int) {
        let wanted = min(max(0, frameEndMs - fromMs) * samplesPerMs, ringCount)
        var samples: [Int16] = []
        // About five seconds, so a typical answer never reallocates.
        samples.reserveCapacity(max(wanted, 5000 * samplesPerMs))
        let first = (ringNext - wanted + ring.count) % ring.count
        for offset in 0..<wanted {
            samples.append(ring[(first + offset) % ring.count])
        }
        turn = samples
        turnStartMs = frameEndMs - wanted / samplesPerMs
    }

    /// The turn's audio so far, up to stream time `throughMs`, while it goes on being
    /// collected: what a pause is judged on.
    func peekTurn(throughMs: Int) -> [Int16] {
        guard let samples = turn else { return [] }
        let keep = max(0, throughMs - turnStartMs) * samplesPerMs
        return keep >= samples.count ? samples : Array(samples.prefix(keep))
    }

    /// Ends the turn and returns its audio up to stream time `throughMs` (the turn's end
    /// plus the post-roll; the detector ends a turn only after a long silence, which the
    /// recognizer does not need).
    mutating func endTurn(throughMs: Int) -> [Int16] {
        guard let samples = turn else { return [] }
        turn = nil
        let keep = max(0, throughMs - turnStartMs) * samplesPerMs
        return keep >= samples.count ? samples : Array(samples.prefix(keep))
    }
}
