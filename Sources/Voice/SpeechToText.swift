/// Turns one turn of the callee's speech into text.
///
/// Audio goes in as linear samples, normally the call's 8 kHz decoded from mu-law; an
/// implementation converts to whatever rate its recognizer wants. `nil` means nothing was
/// recognized (noise, or speech the recognizer could not place). Implementations may be
/// called from many calls at once and serialize internally if their engine needs it.
public protocol SpeechToText: Sendable {
    /// Recognizes `audio` (mono, `sampleRate` samples per second), helped by `hints`.
    func transcribe(_ audio: [Int16], sampleRate: Int, hints: RecognitionHints) async throws -> Transcription?
}
