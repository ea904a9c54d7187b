import CallTrace
import Foundation
import Hummingbird
import Logging
import Store
import Tracing
import Twilio

/// `POST /twilio/voice`: the TwiML for an answered call.
///
/// The campaign's disclosure is said first, then `<Connect><Stream>` opens the two-way media
/// WebSocket (a `<Start><Stream>` is one-way: the agent could not be heard). The stream URL is
/// built from the configured public URL, never the Host header; the attempt, campaign and
/// contact ids travel as `<Parameter>`s, since Twilio drops a query string on stream URLs, with
/// the call's ``MediaStreamCredential`` token, which only Twilio sees. An attempt we do not
/// know (or that belongs to another call) is hung up on at once.
public struct VoiceRoutes: Sendable {
    public let configuration: TwilioWebhookConfiguration
    public let attempts: CallAttemptStore
    public let metrics: WebhookMetrics

    public init(configuration: TwilioWebhookConfiguration, attempts: CallAttemptStore, metrics: WebhookMetrics = WebhookMetrics()) {
        self.configuration = configuration
        self.attempts = attempts
        self.metrics = metrics
    }

    public func add<Context: RequestContext>(to router: Router<Context>) {
        router.post("/twilio/voice") { request, context in
            try await self.voice(request, logger: context.logger)
        }
    }

    func voice(_ request: Request, logger: Logger) async throws -> Response {
        let signed = try await SignedTwilioRequest.read(request, configuration: configuration, logger: logger)
        guard let callSID = signed.callSID else { return Response(status: .badRequest) }
        let attemptID = request.uri.queryParameters["attempt"].flatMap { UUID(uuidString: String($0)) }
        return try await CallTrace.withSpan("twilio.voice", attempt: attemptID, ofKind: .server) { span in
            span.attributes["twilio.call_sid"] = callSID
            guard let attemptID,
                let answered = try await metrics.database(
                    "answering_attempt",
                    { try await attempts.answering(attemptID: attemptID, callSID: callSID) }
                )
            else {
                logger.warning("voice webhook for no attempt we know: hanging up", metadata: ["call_sid": "\(callSID)"])
                span.attributes["dialer.result"] = "hangup: no attempt"
                return Self.twiml(.hangup)
            }
            logger.info("call answered: connecting the media stream", metadata: ["call_sid": "\(callSID)", "attempt": "\(answered.attemptID)"])
            span.attributes["dialer.result"] = "media stream"
            return Self.twiml(
                .connectStream(
                    url: configuration.mediaStreamURL,
                    parameters: [
                        "attempt": answered.attemptID.uuidString.lowercased(), "campaign": String(answered.campaignID),
                        "contact": String(answered.contactID),
                        MediaStreamCredential.parameter: configuration.streamCredential.token(attemptID: answered.attemptID, callSID: callSID),
                    ],
                    disclosure: answered.disclosure
                )
            )
        }
    }

    static func twiml(_ twiml: TwiML) -> Response {
        Response(status: .ok, headers: [.contentType: "text/xml; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(string: twiml.xml)))
    }
}
