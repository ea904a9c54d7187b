import AsyncHTTPClient
import Logging

/// The three parts of a call's voice, built once per service from a ``VoiceConfiguration``
/// and shared by every call.
public struct VoiceComponents: Sendable {
    public var speechToText: any SpeechToText
    public var agent: any Agent
    public var textToSpeech: any TextToSpeech

    public init(speechToText: any SpeechToText, agent: any Agent, textToSpeech: any TextToSpeech) {
        self.speechToText = speechToText
        self.agent = agent
        self.textToSpeech = textToSpeech
    }

    /// Builds what `configuration` chooses. The Google adapters share one token cache, so
    /// both together mint one token at a time. Throws a ``VoiceConfigurationError`` for a
    /// configuration that does not validate, a ``GoogleCloudError`` for an unusable key.
    public static func make(_ configuration: VoiceConfiguration, http: HTTPClient, logger: Logger) async throws -> VoiceComponents {
        try configuration.validate()
        var googleTokens: GoogleAccessTokens?
        func tokens(_ google: VoiceConfiguration.GoogleSettings) async throws -> GoogleAccessTokens {
            if let googleTokens { return googleTokens }
            let made = try await GoogleAccessTokens(account: google.account, http: http, logger: logger)
            googleTokens = made
            return made
        }

        let speechToText: any SpeechToText
        switch configuration.speechToText {
        case .pocketsphinx:
            speechToText = PocketSphinxSpeechToText()
        case .google(let google):
            speechToText = GoogleSpeechToText(
                tokens: try await tokens(google),
                http: http,
                languageCode: google.language,
                endpoints: google.endpoints
            )
        }
        let agent: any Agent =
            switch configuration.agent {
            case .script(let script): try ScriptedAgent(script: script)
            case .openai(let openAI): OpenAIChatAgent(configuration: openAI, http: http, logger: logger)
            }
        let textToSpeech: any TextToSpeech
        switch configuration.textToSpeech {
        case .espeak:
            textToSpeech = EspeakTextToSpeech()
        case .google(let google):
            textToSpeech = GoogleTextToSpeech(
                tokens: try await tokens(google),
                http: http,
                languageCode: google.language,
                voice: google.voice,
                endpoints: google.endpoints
            )
        }
        logger.info("voice configured", metadata: ["voice": "\(configuration.summary)"])
        return VoiceComponents(speechToText: speechToText, agent: agent, textToSpeech: textToSpeech)
    }
}
