import Foundation

/// Which speech-to-text, agent and text-to-speech a service uses, and their settings.
///
/// The default is all embedded (PocketSphinx, the built-in script, espeak-ng): nothing to
/// configure, nothing leaves the machine. From the environment:
///
/// | variable | values |
/// |---|---|
/// | `DIALER_STT` | `pocketsphinx` (default) or `google` |
/// | `DIALER_AGENT` | `script` (default) or `openai` |
/// | `DIALER_TTS` | `espeak` (default) or `google` |
/// | `DIALER_AGENT_SCRIPT` | a JSON ``AgentScript`` file; default ``AgentScript/default`` |
/// | `DIALER_OPENAI_BASE_URL` | default `https://api.openai.com/v1`; any OpenAI-compatible `/v1` base |
/// | `DIALER_OPENAI_MODEL` | required with `DIALER_AGENT=openai` |
/// | `DIALER_OPENAI_API_KEY` | required for api.openai.com, optional for other servers |
/// | `DIALER_OPENAI_TIMEOUT` | seconds per completion, default 10 |
/// | `GOOGLE_APPLICATION_CREDENTIALS` | a service-account key file; required by either Google adapter |
/// | `DIALER_GOOGLE_LANGUAGE` | default `en-US` |
/// | `DIALER_GOOGLE_TTS_VOICE` | e.g. `en-US-Neural2-F`; default: Google's choice for the language |
///
/// Files are read and checked here, so a bad script or key file stops the service at start,
/// not at its first call.
public struct VoiceConfiguration: Sendable, Equatable {
    public enum SpeechToTextEngine: String, Sendable, CaseIterable { case pocketsphinx, google }
    public enum AgentEngine: String, Sendable, CaseIterable { case script, openai }
    public enum TextToSpeechEngine: String, Sendable, CaseIterable { case espeak, google }

    public var speechToText: SpeechToTextEngine
    public var agent: AgentEngine
    public var textToSpeech: TextToSpeechEngine
    /// The scripted agent's script (used when ``agent`` is `.script`).
    public var agentScript: AgentScript
    /// Required when ``agent`` is `.openai`.
    public var openAI: OpenAIChatConfiguration?
    /// Required when either Google adapter is chosen.
    public var googleServiceAccount: GoogleServiceAccount?
    public var googleLanguage: String
    public var googleVoice: String?
    /// Google's hosts unless a test says otherwise.
    public var googleEndpoints: GoogleCloudEndpoints

    public init(
        speechToText: SpeechToTextEngine = .pocketsphinx, agent: AgentEngine = .script, textToSpeech: TextToSpeechEngine = .espeak,
        agentScript: AgentScript = .default, openAI: OpenAIChatConfiguration? = nil,
        googleServiceAccount: GoogleServiceAccount? = nil, googleLanguage: String = "en-US", googleVoice: String? = nil,
        googleEndpoints: GoogleCloudEndpoints = .google
    ) {
        self.speechToText = speechToText
        self.agent = agent
        self.textToSpeech = textToSpeech
        self.agentScript = agentScript
        self.openAI = openAI
        self.googleServiceAccount = googleServiceAccount
        self.googleLanguage = googleLanguage
        self.googleVoice = googleVoice
        self.googleEndpoints = googleEndpoints
    }

    /// All embedded.
    public static let embedded = VoiceConfiguration()

    /// Reads the variables above; the first problem is an error that names the setting.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(VoiceConfigurationError) -> VoiceConfiguration {
        func value(_ name: String) -> String? {
            guard let raw = environment[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !raw.isEmpty else { return nil }
            return raw
        }
        func choice<Engine: RawRepresentable & CaseIterable>(_ name: String, default fallback: Engine) throws(VoiceConfigurationError) -> Engine
        where Engine.RawValue == String {
            guard let raw = value(name) else { return fallback }
            guard let engine = Engine(rawValue: raw.lowercased()) else {
                throw .unknownValue(setting: name, value: raw, allowed: Engine.allCases.map(\.rawValue))
            }
            return engine
        }

        var configuration = VoiceConfiguration(
            speechToText: try choice("DIALER_STT", default: SpeechToTextEngine.pocketsphinx),
            agent: try choice("DIALER_AGENT", default: AgentEngine.script),
            textToSpeech: try choice("DIALER_TTS", default: TextToSpeechEngine.espeak),
            googleLanguage: value("DIALER_GOOGLE_LANGUAGE") ?? "en-US",
            googleVoice: value("DIALER_GOOGLE_TTS_VOICE")
        )

        switch configuration.agent {
        case .script:
            if let path = value("DIALER_AGENT_SCRIPT") {
                do {
                    configuration.agentScript = try AgentScript.load(contentsOfFile: path)
                } catch {
                    throw .agentScript(path: path, error)
                }
            }
        case .openai:
            let choice = "DIALER_AGENT=openai"
            guard let model = value("DIALER_OPENAI_MODEL") else { throw .missingSetting(choice: choice, needs: "DIALER_OPENAI_MODEL") }
            let baseURL = value("DIALER_OPENAI_BASE_URL") ?? "https://api.openai.com/v1"
            guard let host = URL(string: baseURL)?.host, baseURL.hasPrefix("http://") || baseURL.hasPrefix("https://") else {
                throw .invalidValue(setting: "DIALER_OPENAI_BASE_URL", value: baseURL, reason: "not an http(s) URL")
            }
            let apiKey = value("DIALER_OPENAI_API_KEY")
            if apiKey == nil && host == "api.openai.com" {
                throw .missingSetting(choice: choice, needs: "DIALER_OPENAI_API_KEY (or DIALER_OPENAI_BASE_URL for a server that needs no key)")
            }
            var timeout = Duration.seconds(10)
            if let raw = value("DIALER_OPENAI_TIMEOUT") {
                guard let seconds = Double(raw), seconds > 0, seconds <= 300 else {
                    throw .invalidValue(setting: "DIALER_OPENAI_TIMEOUT", value: raw, reason: "not a number of seconds between 0 and 300")
                }
                timeout = .milliseconds(Int64((seconds * 1000).rounded()))
            }
            configuration.openAI = OpenAIChatConfiguration(
                baseURL: baseURL, model: model, apiKey: apiKey, timeout: timeout,
                hintOptOutPhrases: configuration.speechToText == .google
            )
        }

        let googleChoices = [
            configuration.speechToText == .google ? "DIALER_STT=google" : nil,
            configuration.textToSpeech == .google ? "DIALER_TTS=google" : nil,
        ].compactMap { $0 }
        if let first = googleChoices.first {
            guard let path = value("GOOGLE_APPLICATION_CREDENTIALS") else {
                throw .missingSetting(choice: first, needs: "GOOGLE_APPLICATION_CREDENTIALS")
            }
            do {
                configuration.googleServiceAccount = try GoogleServiceAccount.load(contentsOfFile: path)
            } catch {
                throw .serviceAccount(path: path, error)
            }
        }
        try configuration.validate()
        return configuration
    }

    /// Checks a configuration built in code the way ``fromEnvironment(_:)`` checks the
    /// environment: every chosen adapter has its settings.
    public func validate() throws(VoiceConfigurationError) {
        if agent == .openai && openAI == nil { throw .missingSetting(choice: "DIALER_AGENT=openai", needs: "DIALER_OPENAI_MODEL") }
        if speechToText == .google && googleServiceAccount == nil {
            throw .missingSetting(choice: "DIALER_STT=google", needs: "GOOGLE_APPLICATION_CREDENTIALS")
        }
        if textToSpeech == .google && googleServiceAccount == nil {
            throw .missingSetting(choice: "DIALER_TTS=google", needs: "GOOGLE_APPLICATION_CREDENTIALS")
        }
        if agent == .script {
            do {
                try agentScript.validate()
            } catch {
                throw .agentScript(path: "(built-in)", error)
            }
        }
    }

    /// One line for the startup log: the engines and where the cloud ones go, no secrets.
    public var summary: String {
        let agentPart = switch agent {
        case .script: "script"
        case .openai: "openai (\(openAI?.model ?? "?") at \(openAI?.baseURL ?? "?"))"
        }
        return "stt=\(speechToText.rawValue) agent=\(agentPart) tts=\(textToSpeech.rawValue)"
    }
}

/// A voice setting that is missing or unusable, named so the operator can fix it.
public enum VoiceConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownValue(setting: String, value: String, allowed: [String])
    /// `choice` (e.g. `DIALER_AGENT=openai`) cannot work without `needs`.
    case missingSetting(choice: String, needs: String)
    case invalidValue(setting: String, value: String, reason: String)
    case agentScript(path: String, AgentScriptError)
    case serviceAccount(path: String, GoogleServiceAccountError)

    public var description: String {
        switch self {
        case let .unknownValue(setting, value, allowed):
            "\(setting)=\(value) is not allowed; use one of: \(allowed.joined(separator: ", "))"
        case let .missingSetting(choice, needs): "\(choice) needs \(needs)"
        case let .invalidValue(setting, value, reason): "\(setting)=\(value): \(reason)"
        case let .agentScript(path, error): "DIALER_AGENT_SCRIPT=\(path): \(error)"
        case let .serviceAccount(path, error): "GOOGLE_APPLICATION_CREDENTIALS=\(path): \(error)"
        }
    }
}
