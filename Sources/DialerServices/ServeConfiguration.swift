import Foundation
import Twilio
import Voice
import Webhooks
import Worker

/// Everything `dialer serve` answers Twilio by, read once from the environment (with
/// `--public-url` laid over it) and checked once: the public URL and the Auth Token its
/// signatures are checked against, the REST credentials that hang up on machines, and the
/// voice (speech-to-text, agent, text-to-speech) with each engine's settings.
public struct ServeConfiguration: Sendable {
    public var webhooks: TwilioWebhookConfiguration
    /// Hanging up on machines takes the REST credentials; without them machines are only recorded.
    public var control: ServiceSettings<TwilioConfiguration>
    public var voice: VoiceConfiguration
    /// `POST /v1/calls`: `DIALER_DEFAULT_FROM`, and the worker's window clock.
    public var calls = APICallSettings()

    public init(webhooks: TwilioWebhookConfiguration, control: ServiceSettings<TwilioConfiguration>, voice: VoiceConfiguration = .embedded) {
        self.webhooks = webhooks
        self.control = control
        self.voice = voice
    }

    /// Reads the service's variables; throws `CommandFailure` naming the first bad one.
    public static func parse(_ environment: [String: String]) throws -> ServeConfiguration {
        let publicURL = try PublicURL.parse(environment["DIALER_PUBLIC_URL"])
        guard let token = environment["TWILIO_AUTH_TOKEN"], !token.isEmpty else {
            throw CommandFailure("TWILIO_AUTH_TOKEN is not set: Twilio signs its webhooks with the account's Auth Token")
        }
        let voice: VoiceConfiguration
        do {
            voice = try VoiceConfiguration.fromEnvironment(environment)
        } catch {
            throw CommandFailure("\(error)")
        }
        let control: ServiceSettings<TwilioConfiguration>
        do {
            control = .configured(try TwilioConfiguration.fromEnvironment(environment))
        } catch {
            control = .notConfigured(reason: "\(error)")
        }
        // With the account known, a media stream's start must name it.
        let webhooks = TwilioWebhookConfiguration(
            publicURL: publicURL,
            authToken: token,
            accountSID: environment["TWILIO_ACCOUNT_SID"].flatMap { $0.isEmpty ? nil : $0 }
        )
        var configuration = ServeConfiguration(webhooks: webhooks, control: control, voice: voice)
        if let from = environment["DIALER_DEFAULT_FROM"], !from.isEmpty {
            guard let number = PhoneNumber(e164: from) else {
                throw CommandFailure("DIALER_DEFAULT_FROM must be a number in E.164 form such as +14155550100")
            }
            configuration.calls.defaultFrom = number.e164
        }
        configuration.calls.windowClock = try WorkerConfiguration.windowClock(environment)
        return configuration
    }
}
