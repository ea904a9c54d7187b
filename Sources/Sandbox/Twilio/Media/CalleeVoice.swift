import Voice

/// The callee's voice: each line synthesized once with espeak-ng (a voice unlike the
/// agent's), as 8 kHz mu-law, and kept, since many calls say the same lines.
public actor CalleeVoice {
    private let speech: EspeakTextToSpeech
    private var lines: [String: [UInt8]] = [:]

    public init(speech: EspeakTextToSpeech = EspeakTextToSpeech(voice: "en-us", wordsPerMinute: 170, pitch: 35)) {
        self.speech = speech
    }

    public func audio(_ text: String) async throws -> [UInt8] {
        if let cached = lines[text] { return cached }
        let audio = try await speech.synthesize(text)
        lines[text] = audio
        return audio
    }

    /// Shared by every Sandbox: synthesis is the same for all of them.
    public static let shared = CalleeVoice()
}
