/// The dialer ending a call itself (``ConversationSession/sayGoodbye()``), kept apart from
/// the callee's and the agent's sides of ``ConversationState``.
extension ConversationState {
    /// Queues the goodbye behind the responder's pending work, so a turn the callee has
    /// finished is still answered before the closing line. A second request, or one after
    /// the conversation is over, finds `isOver` in the responder and says nothing.
    mutating func requestGoodbye() {
        guard !isOver else { return }
        jobs.yield(.goodbye)
    }
}
