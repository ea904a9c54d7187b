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

    /// Words people pause on in the middle of what they are saying: fillers, conjunctions,
    /// the start of a phrase. A finished answer does not end on one. Not the shortest
    /// words ("a", "i", "the"): a recognizer made to choose hears them in any breath.
    public static let hesitations: [String] = [
        "um", "uh", "er", "hmm", "well", "so", "and", "but", "or", "because", "i am", "i would", "i think", "let me think",
        "let me see", "maybe", "if",
    ]

    /// The hesitations that are sounds, not words: heard after a word, they are as likely
    /// the breath after it.
    public static let fillers: Set<String> = ["um", "uh", "er", "hmm"]

    /// These hints with ``hesitations`` added, for judging a pause: a recognizer that can
    /// only pick among the expected answers hears "so" as "no" and "um" as "no", and a turn
    /// would end on a filler. With the fillers to pick, a pause on one is heard as one.
    public var withHesitations: RecognitionHints {
        var phrases = self.phrases
        for word in Self.hesitations where !phrases.contains(word) { phrases.append(word) }
        return RecognitionHints(phrases: phrases, grammar: grammar)
    }
}
