/// The embedded ``TextToSpeech``: espeak-ng, resampled to 8 kHz and mu-law encoded.
///
/// Robotic but free, offline and fast (a sentence takes a few milliseconds): for the demo,
/// the tests and the Sandbox's simulated callees. Any number of instances, with different
/// voices, may exist; they share the one ``EspeakEngine`` and take turns on it.
public struct EspeakTextToSpeech: TextToSpeech {
    /// An espeak-ng voice name, e.g. `en-us`, `en` (British), `en-us+f3` (a variant).
    public var voice: String
    /// Speaking rate, 80...450 words per minute.
    public var wordsPerMinute: Int
    /// Base pitch, 0...100.
    public var pitch: Int

    /// Designed once per instance: espeak-ng's voices all speak at 22,050 Hz.
    private let telephoneResampler = Resampler(from: 22_050, to: 8_000)

    public init(voice: String = "en-us", wordsPerMinute: Int = 160, pitch: Int = 50) {
        self.voice = voice
        self.wordsPerMinute = wordsPerMinute
        self.pitch = pitch
    }

    /// 8 kHz mu-law for `text`.
    public func synthesize(_ text: String) async throws -> [UInt8] {
        MuLaw.encode(try await synthesizeLinear(text))
    }

    /// 8 kHz linear samples for `text`, before mu-law: for callers that mix or analyse.
    public func synthesizeLinear(_ text: String) async throws -> [Int16] {
        let (samples, rate) = try await EspeakEngine.shared.synthesize(
            text,
            voice: voice,
            wordsPerMinute: wordsPerMinute,
            pitch: pitch
        )
        var resampler = rate == telephoneResampler.inputRate ? telephoneResampler : Resampler(from: rate, to: 8_000)
        return resampler.process(samples) + resampler.finish()
    }
}
