import AsyncHTTPClient
import Foundation

/// A ``SpeechToText`` on Google Cloud Speech-to-Text v1 (`speech:recognize`, synchronous:
/// a turn is seconds long, far under its one-minute limit).
///
/// The turn goes as what the call carries, 8 kHz mu-law (audio at another rate is resampled
/// first), so nothing is lost or added on the way; the hints' phrases go as a speech
/// context, which boosts them without restricting what can be heard. The grammar is ignored.
public struct GoogleSpeechToText: SpeechToText {
    public var languageCode: String
    /// A recognition model such as `phone_call` or `telephony`, when the language has one;
    /// `nil` lets Google choose.
    public var model: String?
    private let api: GoogleCloudAPI
    private let url: String

    public init(
        tokens: GoogleAccessTokens,
        http: HTTPClient,
        languageCode: String = "en-US",
        model: String? = nil,
        endpoints: GoogleCloudEndpoints = .google,
        timeout: Duration = .seconds(10)
    ) {
        self.languageCode = languageCode
        self.model = model
        self.api = GoogleCloudAPI(tokens: tokens, exchange: JSONExchange(http: http), timeout: timeout)
        self.url = endpoints.speech + "/v1/speech:recognize"
    }

    private struct Request: Encodable {
        struct Config: Encodable {
            var encoding = "MULAW"
            var sampleRateHertz = 8000
            var languageCode: String
            var model: String?
            var speechContexts: [SpeechContext]?
        }
        struct SpeechContext: Encodable {
            var phrases: [String]
        }
        struct Audio: Encodable {
            var content: String
        }
        var config: Config
        var audio: Audio
    }

    private struct Answer: Decodable {
        struct Result: Decodable {
            struct Alternative: Decodable {
                var transcript: String?
                var confidence: Double?
            }
            var alternatives: [Alternative]?
        }
        var results: [Result]?
    }

    public func transcribe(_ audio: [Int16], sampleRate: Int, hints: RecognitionHints) async throws -> Transcription? {
        guard !audio.isEmpty else { return nil }
        let telephone = Resampler.resample(audio, from: sampleRate, to: 8000)
        let request = Request(
            config: .init(
                languageCode: languageCode,
                model: model,
                speechContexts: hints.phrases.isEmpty ? nil : [.init(phrases: hints.phrases)]
            ),
            audio: .init(content: Data(MuLaw.encode(telephone)).base64EncodedString())
        )
        let answer = try await api.post("Google Speech-to-Text", url: url, request, as: Answer.self)
        return Self.transcription(of: answer)
    }

    /// Long audio comes back as consecutive results; a turn is their best alternatives
    /// joined, as sure as its least sure part.
    private static func transcription(of answer: Answer) -> Transcription? {
        let best = (answer.results ?? []).compactMap { $0.alternatives?.first }
        let parts = best.compactMap { $0.transcript?.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !parts.isEmpty else { return nil }
        // 0 is Google's "not set" (some models do not score); such a result does not lower
        // the turn's confidence, or every answer from such a model would count as not understood.
        let scores = best.compactMap(\.confidence).filter { $0 > 0 }
        return Transcription(text: parts.joined(separator: " "), confidence: min(1, scores.min() ?? 1))
    }
}
