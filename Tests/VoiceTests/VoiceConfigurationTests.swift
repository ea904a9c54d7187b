import AsyncHTTPClient
import Foundation
import Logging
import TestSupport
import Testing
import Voice

@Suite struct VoiceConfigurationTests {
    /// A service-account key file in a temporary directory, deleted after `body`.
    static func withKeyFile<R>(_ contents: [String: Any], _ body: (String) async throws -> R) async throws -> R {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sa-\(UUID().uuidString).json").path
        try JSONSerialization.data(withJSONObject: contents).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try await body(path)
    }

    static var keyFile: [String: Any] {
        [
            "type": "service_account", "project_id": "dialer-test", "private_key_id": "key-1",
            "private_key": TestKeys.connectedAppPrivateKey, "client_email": "voice@dialer-test.iam.gserviceaccount.com",
            "token_uri": "http://127.0.0.1:9/token",
        ]
    }

    static func error(_ environment: [String: String]) -> String? {
        do {
            _ = try VoiceConfiguration.fromEnvironment(environment)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func nothingSetIsAllEmbedded() throws {
        let configuration = try VoiceConfiguration.fromEnvironment([:])
        #expect(configuration == .embedded)
        #expect(configuration.agentScript == .default)
        #expect(configuration.summary == "stt=pocketsphinx agent=script tts=espeak")
    }

    @Test func aCloudChoiceWithoutItsSettingsNamesTheMissingOne() {
        #expect(Self.error(["DIALER_AGENT": "openai"]) == "DIALER_AGENT=openai needs DIALER_OPENAI_MODEL")
        #expect(
            Self.error(["DIALER_AGENT": "openai", "DIALER_OPENAI_MODEL": "gpt-4o-mini"])?
                .hasPrefix("DIALER_AGENT=openai needs DIALER_OPENAI_API_KEY") == true
        )
        #expect(Self.error(["DIALER_STT": "google"]) == "DIALER_STT=google needs GOOGLE_APPLICATION_CREDENTIALS")
        #expect(
            Self.error(["DIALER_TTS": "google", "GOOGLE_APPLICATION_CREDENTIALS": " "]) == "DIALER_TTS=google needs GOOGLE_APPLICATION_CREDENTIALS"
        )
    }

    @Test func anUnknownValueListsTheAllowedOnes() {
        #expect(Self.error(["DIALER_STT": "whisper"]) == "DIALER_STT=whisper is not allowed; use one of: pocketsphinx, google")
        #expect(Self.error(["DIALER_AGENT": "llm"]) == "DIALER_AGENT=llm is not allowed; use one of: script, openai")
        #expect(Self.error(["DIALER_TTS": "polly"]) == "DIALER_TTS=polly is not allowed; use one of: espeak, google")
        #expect(
            Self.error(["DIALER_AGENT": "openai", "DIALER_OPENAI_MODEL": "m", "DIALER_OPENAI_API_KEY": "k", "DIALER_OPENAI_TIMEOUT": "soon"])
                == "DIALER_OPENAI_TIMEOUT=soon: not a number of seconds between 0 and 300"
        )
    }

    @Test func aLocalModelServerNeedsNoKey() throws {
        let configuration = try VoiceConfiguration.fromEnvironment([
            "DIALER_AGENT": "OpenAI", "DIALER_OPENAI_MODEL": "llama3.1", "DIALER_OPENAI_BASE_URL": "http://127.0.0.1:11434/v1/",
            "DIALER_OPENAI_TIMEOUT": "2.5",
        ])
        let openAI = try #require(configuration.openAI)
        #expect(openAI.baseURL == "http://127.0.0.1:11434/v1")
        #expect(openAI.apiKey == nil)
        #expect(openAI.timeout == .milliseconds(2500))
        #expect(!openAI.hintOptOutPhrases, "the embedded recognizer would hear only the hints")
    }

    @Test func aBadScriptFileIsNamedWithItsProblem() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UUID().uuidString).json").path
        try #"{"greeting": "Hi.", "optOutOffer": "Say stop calling me.", "steps": []}"#.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let message = try #require(Self.error(["DIALER_AGENT_SCRIPT": path]))
        #expect(message.hasPrefix("DIALER_AGENT_SCRIPT=\(path): agent script: disclosure is missing"))
        #expect(
            Self.error(["DIALER_AGENT_SCRIPT": "/nonexistent.json"])
                == "DIALER_AGENT_SCRIPT=/nonexistent.json: agent script: cannot read /nonexistent.json"
        )
    }

    @Test func aServiceAccountFileIsReadAndCheckedAtStartup() async throws {
        try await Self.withKeyFile(Self.keyFile) { path in
            let configuration = try VoiceConfiguration.fromEnvironment([
                "DIALER_STT": "google", "DIALER_TTS": "google", "GOOGLE_APPLICATION_CREDENTIALS": path,
                "DIALER_GOOGLE_LANGUAGE": "es-US", "DIALER_GOOGLE_TTS_VOICE": "es-US-Neural2-A",
                "DIALER_AGENT": "openai", "DIALER_OPENAI_MODEL": "gpt-4o-mini", "DIALER_OPENAI_API_KEY": "sk-x",
            ])
            #expect(configuration.google?.account.clientEmail == "voice@dialer-test.iam.gserviceaccount.com")
            #expect(configuration.google?.account.privateKeyID == "key-1")
            #expect(configuration.google?.language == "es-US" && configuration.google?.voice == "es-US-Neural2-A")
            guard case .google = configuration.speechToText, case .google = configuration.textToSpeech else {
                Issue.record("both Google adapters chosen, not \(configuration.summary)")
                return
            }
            #expect(configuration.openAI?.hintOptOutPhrases == true)
            #expect(!configuration.summary.contains("sk-x"))
        }
        var incomplete = Self.keyFile
        incomplete.removeValue(forKey: "client_email")
        try await Self.withKeyFile(incomplete) { path in
            #expect(
                Self.error(["DIALER_STT": "google", "GOOGLE_APPLICATION_CREDENTIALS": path])
                    == "GOOGLE_APPLICATION_CREDENTIALS=\(path): the service-account key file has no client_email"
            )
        }
        try await Self.withKeyFile(["type": "authorized_user", "client_id": "x"]) { path in
            #expect(Self.error(["DIALER_TTS": "google", "GOOGLE_APPLICATION_CREDENTIALS": path])?.hasSuffix("not service_account") == true)
        }
    }

    @Test func makesTheChosenComponents() async throws {
        let embedded = try await VoiceComponents.make(.embedded, http: .shared, logger: Logger(label: "test"))
        #expect(embedded.speechToText is PocketSphinxSpeechToText)
        #expect(embedded.agent is ScriptedAgent)
        #expect(embedded.textToSpeech is EspeakTextToSpeech)

        try await Self.withKeyFile(Self.keyFile) { path in
            let configuration = try VoiceConfiguration.fromEnvironment([
                "DIALER_STT": "google", "DIALER_TTS": "google", "GOOGLE_APPLICATION_CREDENTIALS": path,
                "DIALER_AGENT": "openai", "DIALER_OPENAI_MODEL": "m", "DIALER_OPENAI_BASE_URL": "http://127.0.0.1:9/v1",
            ])
            let cloud = try await VoiceComponents.make(configuration, http: .shared, logger: Logger(label: "test"))
            #expect(cloud.speechToText is GoogleSpeechToText)
            #expect(cloud.agent is OpenAIChatAgent)
            #expect(cloud.textToSpeech is GoogleTextToSpeech)
        }

        // A cloud engine without its settings cannot be written: each choice carries them.
    }
}
