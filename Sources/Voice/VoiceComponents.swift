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
        if let account = configuration.googleServiceAccount,
           configuration.speechToText == .google || configuration.textToSpeech == .google {
            googleTokens = try await GoogleAccessTokens(account: account, http: http, logger: logger)
        }

        let speechToText: any SpeechToText = switch configuration.speechToText {
        case .pocketsphinx:
            PocketSphinxSpeechToText()
        case .google:
            GoogleSpeechToText(
                tokens: googleTokens!, http: http, languageCode: configuration.googleLanguage, endpoints: configuration.googleEndpoints
            )
        }
        let agent: any Agent = switch configuration.agent {
        case .script:
            try ScriptedAgent(script: configuration.agentScript)
        case .openai:
            OpenAIChatAgent(configuration: configuration.openAI!, http: http, logger: logger)
        }
        let textToSpeech: any TextToSpeech = switch configuration.textToSpeech {
        case .espeak:
            EspeakTextToSpeech()
        case .google:
            GoogleTextToSpeech(
                tokens: googleTokens!, http: http, languageCode: configuration.googleLanguage,
                voice: configuration.googleVoice, endpoints: configuration.googleEndpoints
            )
        }
        logger.info("voice configured", metadata: ["voice": "\(configuration.summary)"])
        return VoiceComponents(speechToText: speechToText, agent: agent, textToSpeech: textToSpeech)
    }
}
