import Foundation
import Hummingbird
import Logging
import Store
import Twilio

/// `POST /twilio/whisper?attempt=…`: what the person taking a handed-over call hears before
/// the two are connected (the `<Number url>` of the hand-off's `<Dial>`): who is calling.
/// Signed like every webhook; an attempt it does not know gets a whisper without a name.
public struct WhisperRoutes: Sendable {
    public let configuration: TwilioWebhookConfiguration
    public let calls: CallStore
    public let metrics: WebhookMetrics

    public init(configuration: TwilioWebhookConfiguration, calls: CallStore, metrics: WebhookMetrics = WebhookMetrics()) {
        self.configuration = configuration
        self.calls = calls
        self.metrics = metrics
    }

    public func add<Context: RequestContext>(to router: Router<Context>) {
        router.post("/twilio/whisper") { request, context in
            try await self.whisper(request, logger: context.logger)
        }
    }

    func whisper(_ request: Request, logger: Logger) async throws -> Response {
        _ = try await SignedTwilioRequest.read(request, configuration: configuration, logger: logger)
        let attemptID = request.uri.queryParameters["attempt"].flatMap { UUID(uuidString: String($0)) }
        var name = ""
        if let attemptID, let callee = try await metrics.database("hand_off_callee", { try await calls.handOffCallee(attemptID: attemptID) }) {
            name = [callee.firstName, callee.lastName].compactMap { $0 }.joined(separator: " ")
        }
        return VoiceRoutes.twiml(TwiML(.say(Self.words(for: name))))
    }

    /// The whisper for a callee named `name` (empty: unknown).
    public static func words(for name: String) -> String {
        let who = name.trimmingCharacters(in: .whitespaces).isEmpty ? "a contact" : name
        return "Call from \(who), handed over by the dialer's assistant."
    }
}
