/// Ending a turn by what was said, not only by how long the silence after it lasts
/// (``TurnEvent/paused(startMs:endMs:)``), kept apart from the rest of ``ConversationState``.
///
/// A short pause sends the turn so far to the responder, which transcribes it and asks the
/// agent whether it is a whole answer. A whole answer ends the turn at once, a callee
/// who stopped mid-phrase gets a longer silence, and anything else waits the usual silence.
/// Either verdict applies only if the callee is still silent after the same speech: if
/// they spoke again meanwhile, the verdict is about words they have since added to.
extension ConversationState {
    mutating func pause(startMs: Int, endMs: Int) {
        guard let turn = openTurn else { return }
        // Little of the silence: the recognizer would fill it with the fillers it is given.
        let audio = capture.peekTurn(throughMs: endMs + min(configuration.postRollMs, 100))
        jobs.yield(.pause(PausedTurn(generation: turn.generation, startMs: startMs, endMs: endMs, audio: audio)))
    }

    /// The paused turn was a whole answer: it ends now, and is returned for the responder
    /// to answer (with the words it already has). Nil if the callee has spoken since.
    mutating func endTurn(_ paused: PausedTurn) -> CalleeTurn? {
        guard openTurn?.generation == paused.generation, !leavingVoicemail,
            case .turnEnded(let startMs, let endMs)? = detector.endTurn(pausedAfterMs: paused.endMs)
        else { return nil }
        return closeTurn(startMs: startMs, endMs: endMs)
    }

    /// The paused turn sounds unfinished: wait longer before ending it.
    mutating func waitLonger(_ paused: PausedTurn) {
        guard openTurn?.generation == paused.generation else { return }
        detector.waitLonger(pausedAfterMs: paused.endMs)
    }
}

/// A turn in progress at a pause, with its audio so far.
struct PausedTurn: Sendable {
    let generation: Int
    let startMs: Int
    /// The end of the speech before the pause.
    let endMs: Int
    let audio: [Int16]
}
