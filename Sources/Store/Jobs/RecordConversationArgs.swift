import Queue

/// `record_conversation`: what the media service could not write of a conversation
/// (RecordConversationHandler). Enqueued by `MediaStreamStore.handOff`.
public typealias RecordConversationArgs = MediaStreamStore.Leftovers

extension MediaStreamStore.Leftovers: JobArgs {
    public static let kind = "record_conversation"
    /// Ahead of the calls, and patient: the database was away when it was handed off.
    public static var options: JobOptions { JobOptions(priority: 1, maxAttempts: 100) }
}
