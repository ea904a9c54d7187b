/// Numbers a call's transcript entries in the order they began and emits them in that
/// order, although they are completed out of order.
///
/// A place (a slot) is taken when an entry's start becomes known: a callee turn's when
/// the detector confirms the speech, an agent utterance's when its first audio goes out.
/// The entry is filled in later: the callee's after speech-to-text (and the agent's reply,
/// for its intent), the agent's when its last mark comes back or it is cut off. A slot can
/// also be dropped (a turn that proved to be noise), so the seq of emitted entries stays
/// 0, 1, 2, … without gaps.
struct TranscriptSequencer: Sendable {
    private enum Resolution: Sendable {
        case entry(TranscriptEntry)
        case dropped
    }

    private var nextSlot = 0
    private var nextToEmit = 0
    private var nextSeq = 0
    private var resolved: [Int: Resolution] = [:]

    /// Takes the next place in the transcript.
    mutating func reserve() -> Int {
        defer { nextSlot += 1 }
        return nextSlot
    }

    /// Fills `slot` with `entry` (nil drops it) and emits every entry now in order; `emit`
    /// gets entries with their final seq.
    mutating func resolve(_ slot: Int, with entry: TranscriptEntry?, emit: (TranscriptEntry) -> Void) {
        guard slot >= nextToEmit, slot < nextSlot, resolved[slot] == nil else { return }
        resolved[slot] = entry.map(Resolution.entry) ?? .dropped
        while let resolution = resolved.removeValue(forKey: nextToEmit) {
            emitNext(resolution, emit: emit)
        }
    }

    /// At the end of the call: emits what was resolved, passing over any slot that never was.
    mutating func flush(emit: (TranscriptEntry) -> Void) {
        while nextToEmit < nextSlot {
            emitNext(resolved.removeValue(forKey: nextToEmit) ?? .dropped, emit: emit)
        }
    }

    private mutating func emitNext(_ resolution: Resolution, emit: (TranscriptEntry) -> Void) {
        nextToEmit += 1
        if case .entry(var entry) = resolution {
            entry.seq = nextSeq
            nextSeq += 1
            emit(entry)
        }
    }
}
