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
    /// The names the environment chooses engines by.
    public enum SpeechToTextEngine: String, Sendable, CaseIterable { case pocketsphinx, google }
    public enum AgentEngine: String, Sendable, CaseIterable { case script, openai }
    public enum TextToSpeechEngine: String, Sendable, CaseIterable { case espeak, google }

    /// What either Google adapter needs: the service account, the language, and for
    /// text-to-speech the voice.
    public struct GoogleSettings: Sendable, Equatable {
        public var account: GoogleServiceAccount
        public var language: String
        /// e.g. `en-US-Neural2-F`; nil lets Google choose for the language.
        public var voice: String?
        /// Google's hosts unless a test says otherwise.
        public var endpoints: GoogleCloudEndpoints

        public init(account: GoogleServiceAccount, language: String = "en-US", voice: String? = nil, endpoints: GoogleCloudEndpoints = .google) {
            self.account = account
            self.language = language
            self.voice = voice
            self.endpoints = endpoints
        }
    }

    /// Each choice carries the settings it cannot work without, so a configuration that
    /// names a cloud engine always has its settings.
    public enum SpeechToTextChoice: Sendable, Equatable {
        case pocketsphinx
        case google(GoogleSettings)
    }

    public enum AgentChoice: Sendable, Equatable {
        case script(AgentScript)
        case openai(OpenAIChatConfiguration)
    }

    public enum TextToSpeechChoice: Sendable, Equatable {
        case espeak
        case google(GoogleSettings)
    }

    public var speechToText: SpeechToTextChoice
    public var agent: AgentChoice
    public var textToSpeech: TextToSpeechChoice

    public init(speechToText: SpeechToTextChoice = .pocketsphinx, agent: AgentChoice = .script(.default), textToSpeech: TextToSpeechChoice = .espeak)
    {
        self.speechToText = speechToText
        self.agent = agent
        self.textToSpeech = textToSpeech
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

        let speechEngine = try choice("DIALER_STT", default: SpeechToTextEngine.pocketsphinx)
        let agentEngine = try choice("DIALER_AGENT", default: AgentEngine.script)
        let voiceEngine = try choice("DIALER_TTS", default: TextToSpeechEngine.espeak)

        let agent: AgentChoice
        switch agentEngine {
        case .script:
            guard let path = value("DIALER_AGENT_SCRIPT") else {
                agent = .script(.default)
                break
            }
            do {
                agent = .script(try AgentScript.load(contentsOfFile: path))
            } catch {
                throw .agentScript(path: path, error)
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
            agent = .openai(
                OpenAIChatConfiguration(
                    baseURL: baseURL,
                    model: model,
                    apiKey: apiKey,
                    timeout: timeout,
                    hintOptOutPhrases: speechEngine == .google
                )
            )
        }

        var google: GoogleSettings?
        let googleChoices = [speechEngine == .google ? "DIALER_STT=google" : nil, voiceEngine == .google ? "DIALER_TTS=google" : nil].compactMap {
            $0
        }
        if let first = googleChoices.first {
            guard let path = value("GOOGLE_APPLICATION_CREDENTIALS") else {
                throw .missingSetting(choice: first, needs: "GOOGLE_APPLICATION_CREDENTIALS")
            }
            do {
                google = GoogleSettings(
                    account: try GoogleServiceAccount.load(contentsOfFile: path),
                    language: value("DIALER_GOOGLE_LANGUAGE") ?? "en-US",
                    voice: value("DIALER_GOOGLE_TTS_VOICE")
                )
            } catch {
                throw .serviceAccount(path: path, error)
            }
        }
        let configuration = VoiceConfiguration(
            speechToText: google.map { speechEngine == .google ? .google($0) : .pocketsphinx } ?? .pocketsphinx,
            agent: agent,
            textToSpeech: google.map { voiceEngine == .google ? .google($0) : .espeak } ?? .espeak
        )
        try configuration.validate()
        return configuration
    }

    /// Checks what the types cannot: a script built in code is a usable script.
    public func validate() throws(VoiceConfigurationError) {
        if case .script(let script) = agent {
            do {
                try script.validate()
            } catch {
                throw .agentScript(path: "(built-in)", error)
            }
        }
    }

    /// The scripted agent's script, when the agent is scripted.
    public var agentScript: AgentScript? {
        if case .script(let script) = agent { return script }
        return nil
    }

    /// The chat server's settings, when the agent is `openai`.
    public var openAI: OpenAIChatConfiguration? {
        if case .openai(let configuration) = agent { return configuration }
        return nil
    }

    /// Google's settings, when either adapter is Google's.
    public var google: GoogleSettings? {
        if case .google(let settings) = speechToText { return settings }
        if case .google(let settings) = textToSpeech { return settings }
        return nil
    }

    /// One line for the startup log: the engines and where the cloud ones go, no secrets.
    public var summary: String {
        let agentPart =
            switch agent {
            case .script: "script"
            case .openai(let openAI): "openai (\(openAI.model) at \(openAI.baseURL))"
            }
        let speech = if case .google = speechToText { "google" } else { "pocketsphinx" }
        let voice = if case .google = textToSpeech { "google" } else { "espeak" }
        return "stt=\(speech) agent=\(agentPart) tts=\(voice)"
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
