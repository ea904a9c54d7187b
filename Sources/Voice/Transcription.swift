/// What a ``SpeechToText`` heard in one turn.
public struct Transcription: Sendable, Equatable {
    /// The words, lower case for the embedded recognizer, as the service returns them for
    /// a cloud one.
    public var text: String
    /// How sure the recognizer is, from 0 (a guess) to 1. Recognizers that only choose among
    /// the hinted phrases always return one of them, so the caller judges an answer such as
    /// "no" (and a spoken opt-out) by this, not by the text alone.
    public var confidence: Double

    public init(text: String, confidence: Double) {
        self.text = text
        self.confidence = confidence
    }
}
