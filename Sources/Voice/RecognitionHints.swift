/// What the agent expects the callee to say next, passed with each turn to a
/// ``SpeechToText``.
///
/// Cloud recognizers take ``phrases`` as boosts and still hear anything. The embedded
/// recognizer, whose open vocabulary is poor on telephone audio, recognizes only the
/// phrases (or the ``grammar``) when there are any, so it answers reliably to "yes", "no"
/// or "stop calling me", and reports with a low confidence speech that was none of them.
public struct RecognitionHints: Sendable, Hashable {
    /// Words or short phrases, e.g. `["yes", "no", "stop calling me"]`.
    public var phrases: [String]
    /// A JSGF grammar (`#JSGF V1.0; grammar …; public <…> = …;`) for recognizers that take
    /// one; it wins over ``phrases`` there, and others ignore it.
    public var grammar: String?

    public init(phrases: [String] = [], grammar: String? = nil) {
        self.phrases = phrases
        self.grammar = grammar
    }

    /// No expectations: open dictation.
    public static let none = RecognitionHints()
}
