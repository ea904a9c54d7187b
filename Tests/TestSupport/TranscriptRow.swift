import Store

/// One transcript entry as the tests read it back: who spoke, what, and whether the callee
/// cut it short.
public struct TranscriptRow: Equatable, Sendable, CustomStringConvertible {
    public var speaker: String
    public var text: String
    public var interrupted: Bool
    /// Stream time; not compared (``==`` looks at what was said).
    public var startMs = 0
    public var endMs = 0

    public init(speaker: String, text: String, interrupted: Bool, startMs: Int = 0, endMs: Int = 0) {
        self.speaker = speaker
        self.text = text
        self.interrupted = interrupted
        self.startMs = startMs
        self.endMs = endMs
    }

    public static func == (a: TranscriptRow, b: TranscriptRow) -> Bool {
        a.speaker == b.speaker && a.text == b.text && a.interrupted == b.interrupted
    }

    public var description: String { "\(speaker)\(interrupted ? "(interrupted)" : ""): \(text)" }

    /// Every entry of the contact's calls, in the order they began.
    public static func all(_ db: Database, contact: Int64) async throws -> [TranscriptRow] {
        try await db.rows(
            """
            SELECT t.speaker, t.text, t.interrupted, t.start_ms, t.end_ms FROM dialer.transcript_entries t
            JOIN dialer.call_attempts a ON a.id = t.attempt_id WHERE a.contact_id = \(contact) ORDER BY t.seq
            """,
            as: (String, String, Bool, Int, Int).self
        ).map { TranscriptRow(speaker: $0.0, text: $0.1, interrupted: $0.2, startMs: $0.3, endMs: $0.4) }
    }
}
