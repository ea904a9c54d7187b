/// The embedded ``SpeechToText``: CMU PocketSphinx with Debian's US English model.
///
/// With ``RecognitionHints/phrases`` or a grammar it recognizes only those, which makes
/// short answers ("yes", "no", "stop calling me") reliable on telephone audio, and scores
/// speech that was none of them low (``Transcription/confidence``). Without hints it
/// dictates with the general language model, which is slow and rough; a cloud adapter is
/// the better choice for open questions.
///
/// Audio at any rate is resampled to the model's 16 kHz (a call's 8 kHz carries nothing
/// above 4 kHz, which costs some accuracy but not on the hinted phrases). Decoders are
/// created on first use, up to `decoders` of them, and reused: each holds the acoustic
/// model and every grammar it has been given, and recognizes one turn at a time.
public actor PocketSphinxSpeechToText: SpeechToText {
    public nonisolated let model: PocketSphinxModel
    private let decoderLimit: Int
    /// Creations in flight or done, shared by every turn that needs one meanwhile.
    private var decoders: [Task<PocketSphinxDecoder, any Error>] = []
    private var nextDecoder = 0

    /// A recognizer over `model` that runs up to `decoders` turns at once.
    public init(model: PocketSphinxModel = .debianEnglish, decoders: Int = 1) {
        self.model = model
        self.decoderLimit = max(1, decoders)
    }

    public nonisolated func transcribe(_ audio: [Int16], sampleRate: Int, hints: RecognitionHints) async throws -> Transcription? {
        guard !audio.isEmpty else { return nil }
        let samples = Resampler.resample(audio, from: sampleRate, to: model.sampleRate)
        let decoder = try await decoder()
        return try await decoder.recognize(samples, hints: hints)
    }

    /// Loads the acoustic model now, so the first turn of the first call does not wait for it.
    public func prepare() async throws {
        _ = try await decoder()
    }

    /// The next decoder in turn, created off this actor if it does not exist yet.
    private func decoder() async throws -> PocketSphinxDecoder {
        if decoders.count < decoderLimit {
            let model = model
            decoders.append(Task.detached { try PocketSphinxDecoder(model: model) })
        }
        let task = decoders[nextDecoder % decoders.count]
        nextDecoder += 1
        do {
            return try await task.value
        } catch {
            // A failed creation is not cached: the model may be installed by the next turn.
            decoders.removeAll { $0 == task }
            throw error
        }
    }
}
