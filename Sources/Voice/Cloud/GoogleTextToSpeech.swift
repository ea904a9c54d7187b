import AsyncHTTPClient
import Foundation

/// A ``TextToSpeech`` on Google Cloud Text-to-Speech v1 (`text:synthesize`), asked for
/// exactly what the call carries: 8 kHz mu-law. Google wraps even that in a WAV header,
/// which is parsed off (``WAVContainer``) so the first 44 bytes are not played as noise.
public struct GoogleTextToSpeech: TextToSpeech {
    public var languageCode: String
    /// A voice name such as `en-US-Neural2-F`; `nil` lets Google choose one for the language.
    public var voice: String?
    private let api: GoogleCloudAPI
    private let url: String

    public init(
        tokens: GoogleAccessTokens,
        http: HTTPClient,
        languageCode: String = "en-US",
        voice: String? = nil,
        endpoints: GoogleCloudEndpoints = .google,
        timeout: Duration = .seconds(10)
    ) {
        self.languageCode = languageCode
        self.voice = voice
        self.api = GoogleCloudAPI(tokens: tokens, exchange: JSONExchange(http: http), timeout: timeout)
        self.url = endpoints.textToSpeech + "/v1/text:synthesize"
    }

    private struct Request: Encodable {
        struct Input: Encodable {
            var text: String
        }
        struct Voice: Encodable {
            var languageCode: String
            var name: String?
        }
        struct AudioConfig: Encodable {
            var audioEncoding = "MULAW"
            var sampleRateHertz = 8000
        }
        var input: Input
        var voice: Voice
        var audioConfig = AudioConfig()
    }

    private struct Answer: Decodable {
        var audioContent: String?
    }

    public func synthesize(_ text: String) async throws -> [UInt8] {
        guard !text.allSatisfy(\.isWhitespace) else { return [] }
        let request = Request(input: .init(text: text), voice: .init(languageCode: languageCode, name: voice))
        let answer = try await api.post("Google Text-to-Speech", url: url, request, as: Answer.self)
        guard let encoded = answer.audioContent, let audio = Data(base64Encoded: encoded) else {
            throw GoogleCloudError.unexpectedAnswer(service: "Google Text-to-Speech", "no audioContent")
        }
        return try Self.muLaw(from: [UInt8](audio))
    }

    /// The mu-law samples of Google's answer: the WAV's data chunk, checked to be what was
    /// asked for, or the bytes as they are when there is no header.
    static func muLaw(from bytes: [UInt8]) throws -> [UInt8] {
        guard WAVContainer.isWAV(bytes) else { return bytes }
        let wav = try WAVContainer(parsing: bytes)
        guard wav.formatTag == WAVContainer.muLawFormat, wav.channels == 1, wav.sampleRate == 8000 else {
            throw WAVError.unexpectedFormat(
                "format \(wav.formatTag), \(wav.channels) channel(s), \(wav.sampleRate) Hz; asked for mu-law (7), mono, 8000 Hz"
            )
        }
        return wav.samples
    }
}
