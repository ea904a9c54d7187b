/// An answering machine's beep (``ConversationSession/leaveVoicemail()``), kept apart from
/// the callee's and the agent's sides of ``ConversationState``.
///
/// Twilio's AMD reports the end of the greeting (`machine_end_beep`, `_silence`, `_other`)
/// while the agent may be mid-sentence, talking over the greeting: that audio is cleared at
/// once, so the recording starts with the message, not with half an opening. From then on
/// the machine's sounds are not turns, nothing but the message is queued, and the call hangs
/// up once Twilio's mark says the message has played (``enqueue(_:generation:now:)``).
extension ConversationState {
    /// Returns false when it is too late (the call stopped or the hang-up went out) or the
    /// message is already on its way.
    mutating func requestVoicemail(now: Duration) -> Bool {
        guard !stopped, !hangUpSent, !leavingVoicemail else { return false }
        leavingVoicemail = true
        // A goodbye queued for the greeting gives way to the message.
        hangUpRequested = false
        hangUpDeadline = nil
        if let turn = openTurn {
            openTurn = nil
            resolve(turn.slot, with: nil)
        }
        cutOffAgent(now: now)
        jobs.yield(.voicemail)
        return true
    }
}
