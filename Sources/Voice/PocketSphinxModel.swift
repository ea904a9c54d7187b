/// Where a PocketSphinx model lives on disk.
///
/// The defaults are Debian's `pocketsphinx-en-us` package: a 16 kHz US English
/// semi-continuous acoustic model, the CMU pronouncing dictionary, and the general language
/// model that ships with it.
public struct PocketSphinxModel: Sendable, Hashable {
    /// The acoustic model directory (`mdef`, `means`, `feat.params`, …).
    public var acousticModel: String
    /// The pronouncing dictionary: every word a grammar or phrase uses must be in it.
    public var dictionary: String
    /// The general language model, for turns with no hints.
    public var languageModel: String
    /// The rate the acoustic model was trained at; audio is resampled to it.
    public var sampleRate: Int

    public init(acousticModel: String, dictionary: String, languageModel: String, sampleRate: Int = 16_000) {
        self.acousticModel = acousticModel
        self.dictionary = dictionary
        self.languageModel = languageModel
        self.sampleRate = sampleRate
    }

    /// Debian's `pocketsphinx-en-us`, under `/usr/share/pocketsphinx/model/en-us`.
    public static let debianEnglish = PocketSphinxModel(
        acousticModel: "/usr/share/pocketsphinx/model/en-us/en-us",
        dictionary: "/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict",
        languageModel: "/usr/share/pocketsphinx/model/en-us/en-us.lm.bin"
    )
}
