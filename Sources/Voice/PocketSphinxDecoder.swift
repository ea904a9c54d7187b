import CPocketSphinx
import Foundation

/// One PocketSphinx decoder: the acoustic model and dictionary loaded once, and one named
/// search per grammar it has been asked for, kept so the next turn with the same hints
/// switches to it instead of compiling it again.
///
/// A `ps_decoder_t` is not thread-safe, so the actor runs one recognition at a time.
/// Creating one takes a fraction of a second (the acoustic model), adding a grammar about a
/// millisecond, the general language model (first turn without hints) a few tenths.
actor PocketSphinxDecoder {
    let model: PocketSphinxModel
    /// Recognitions block for a long time: off the cooperative pool (see ``BlockingWorkExecutor``).
    private let executor = BlockingWorkExecutor(label: "dialer.pocketsphinx")
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
    private let handle: DecoderHandle
    private var decoder: OpaquePointer { handle.pointer }
    /// Search names by what they recognize (a JSGF text, or ``dictationKey``), oldest first
    /// so that a stream of one-off grammars cannot grow the decoder without bound.
    private var searches: [String: String] = [:]
    private var searchOrder: [String] = []
    private var searchCounter = 0

    private static let dictationKey = ""
    private static let maximumSearches = 32
    private static let lineNoiseRMS = 10.0

    init(model: PocketSphinxModel) throws {
        for path in [model.acousticModel, model.dictionary] where !FileManager.default.fileExists(atPath: path) {
            throw PocketSphinxError.modelMissing(path)
        }
        // PocketSphinx logs every setting and every utterance to stderr; the dialer logs
        // what it needs itself. This is process-wide, like the library's logging.
        err_set_logfp(nil)
        let arguments = [
            "pocketsphinx",
            "-hmm", model.acousticModel,
            "-dict", model.dictionary,
            "-samprate", String(model.sampleRate),
            // The front end's own voice activity detection would drop frames, and the
            // segment times would no longer match the audio; turns arrive already cut.
            "-remove_silence", "no",
        ]
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        defer { for pointer in argv { free(pointer) } }
        guard let config = cmd_ln_parse_r(nil, ps_args(), Int32(argv.count), &argv, 1) else {
            throw PocketSphinxError.decoderFailed("configuration refused")
        }
        // The decoder keeps its own reference to the configuration.
        defer { cmd_ln_free_r(config) }
        guard let decoder = ps_init(config) else {
            throw PocketSphinxError.decoderFailed("ps_init failed for \(model.acousticModel)")
        }
        self.model = model
        self.handle = DecoderHandle(pointer: decoder)
    }

    /// Recognizes one turn, `samples` at the model's rate, with the search `hints` call for.
    func recognize(_ samples: [Int16], hints: RecognitionHints) throws -> Transcription? {
        try selectSearch(for: hints)
        guard ps_start_utt(decoder) == 0 else { throw PocketSphinxError.decoderFailed("ps_start_utt") }
        // One call with the whole turn (full_utt): cepstral mean normalization then uses
        // the turn's own mean, which is what the model's `-cmn batch` expects.
        let processed = Self.withLineNoise(samples).withUnsafeBufferPointer {
            ps_process_raw(decoder, $0.baseAddress, $0.count, 0, 1)
        }
        guard ps_end_utt(decoder) == 0, processed >= 0 else {
            throw PocketSphinxError.decoderFailed("ps_process_raw")
        }
        var score: Int32 = 0
        guard let hypothesis = ps_get_hyp(decoder, &score).map({ String(cString: $0) }),
            !hypothesis.isEmpty
        else { return nil }

        let posterior = logmath_exp(ps_get_logmath(decoder), ps_get_prob(decoder))
        let coverage = SpeechCoverage.fraction(of: samples, sampleRate: model.sampleRate, coveredBy: wordFrames())
        return Transcription(text: hypothesis, confidence: min(1, max(0, posterior * coverage)))
    }

    /// `samples` with a faint, steady hiss added (about -70 dBFS, the quiet end of a real
    /// line), from the same seed every turn so a turn always decodes the same.
    ///
    /// Digital silence, which synthesized audio has and mu-law's zero code makes, has a log
    /// energy of minus infinity: it drags the turn's cepstral mean so far that the silence
    /// model outscores real words, and what is left of the decision hangs on rounding.
    /// The front end's own `-dither` (one step on a quarter of the samples) is too faint
    /// to settle it, and its seed runs on from turn to turn.
    private static func withLineNoise(_ samples: [Int16]) -> [Int16] {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func uniform() -> Double {
            // xorshift64, to 53 bits in 0..<1.
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return Double(state >> 11) / Double(1 << 53)
        }
        let amplitude = 2 * lineNoiseRMS
        return samples.map { sample in
            // The sum of three uniforms: near enough to Gaussian, with an RMS of `lineNoiseRMS`.
            let noise = (uniform() + uniform() + uniform() - 1.5) * amplitude
            return Int16(max(-32768, min(32767, (Double(sample) + noise).rounded())))
        }
    }

    /// The 10 ms frames the hypothesis's words span (not its silences and noises).
    private func wordFrames() -> [ClosedRange<Int>] {
        var ranges: [ClosedRange<Int>] = []
        var segment = ps_seg_iter(decoder)
        while let current = segment {
            let word = String(cString: ps_seg_word(current))
            var start: Int32 = 0
            var end: Int32 = 0
            ps_seg_frames(current, &start, &end)
            if !word.hasPrefix("<"), !word.hasPrefix("["), !word.hasPrefix("("), end >= start {
                ranges.append(Int(start)...Int(end))
            }
            segment = ps_seg_next(current)
        }
        return ranges
    }

    private func selectSearch(for hints: RecognitionHints) throws {
        let key = hints.grammar ?? grammar(for: hints.phrases) ?? Self.dictationKey
        if let name = searches[key] {
            guard ps_set_search(decoder, name) == 0 else { throw PocketSphinxError.decoderFailed("ps_set_search") }
            return
        }
        searchCounter += 1
        let name = "search\(searchCounter)"
        let added: Int32
        if key == Self.dictationKey {
            guard FileManager.default.fileExists(atPath: model.languageModel) else {
                throw PocketSphinxError.modelMissing(model.languageModel)
            }
            added = ps_set_lm_file(decoder, name, model.languageModel)
        } else {
            // Checked here because sphinxbase's grammar lexer echoes what it cannot parse
            // to standard output, and anything without the header is certain not to parse.
            guard key.drop(while: \.isWhitespace).hasPrefix("#JSGF") else {
                throw PocketSphinxError.grammarRejected(key)
            }
            added = ps_set_jsgf_string(decoder, name, key)
        }
        guard added == 0 else { throw PocketSphinxError.grammarRejected(key) }
        guard ps_set_search(decoder, name) == 0 else { throw PocketSphinxError.decoderFailed("ps_set_search") }
        searches[key] = name
        searchOrder.append(key)
        if searchOrder.count > Self.maximumSearches {
            let oldest = searchOrder.removeFirst()
            if let oldName = searches.removeValue(forKey: oldest) {
                ps_unset_search(decoder, oldName)
            }
        }
    }

    /// A JSGF grammar with one alternative per phrase, or nil when no phrase is usable.
    ///
    /// Phrases are lower-cased and stripped of punctuation; one with a word the dictionary
    /// lacks is left out rather than failing the turn (PocketSphinx would refuse the whole
    /// grammar, and a cloud recognizer would simply not be helped by it).
    private func grammar(for phrases: [String]) -> String? {
        var alternatives: [String] = []
        for phrase in phrases {
            let cleaned = String(
                phrase.lowercased().map { (character: Character) -> Character in
                    character.isLetter || character.isNumber || character == "'" ? character : " "
                }
            )
            let words = cleaned.split(separator: " ").map { String($0) }
            guard !words.isEmpty, words.allSatisfy({ isInDictionary($0) }) else { continue }
            let alternative = words.joined(separator: " ")
            if !alternatives.contains(alternative) { alternatives.append(alternative) }
        }
        guard !alternatives.isEmpty else { return nil }
        return """
            #JSGF V1.0;
            grammar hints;
            public <turn> = <phrase>+;
            <phrase> = \(alternatives.joined(separator: " | "));

            """
    }

    private func isInDictionary(_ word: String) -> Bool {
        guard let phones = ps_lookup_word(decoder, word) else { return false }
        free(phones)
        return true
    }
}

/// Owns a `ps_decoder_t`, freed with the actor that holds it.
private final class DecoderHandle {
    let pointer: OpaquePointer

    init(pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        ps_free(pointer)
    }
}

/// Why the embedded recognizer could not run.
public enum PocketSphinxError: Error, Sendable, Equatable {
    /// A model file or directory is not where ``PocketSphinxModel`` says.
    case modelMissing(String)
    /// PocketSphinx refused a grammar (a syntax error, or a word not in the dictionary).
    case grammarRejected(String)
    /// PocketSphinx failed at the named step.
    case decoderFailed(String)
}
