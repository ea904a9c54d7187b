import Foundation
import Hummingbird
import Logging
import Store
import Twilio

/// `POST /twilio/status`: Twilio's status callbacks, signed, recorded once, applied only
/// when they move a call forward (`CallStore`).
///
/// A refused signature is a 403 and a body over the limit a 413, both before anything is
/// written; a callback without a CallSid or with an unknown CallStatus is a 400. A validly
/// signed callback for no attempt we know is kept as an orphan and answered 204, so Twilio
/// does not retry it forever. Nothing in an answer or a log line says more than the status.
public struct StatusCallbackRoutes: Sendable {
    public let configuration: TwilioWebhookConfiguration
    public let calls: CallStore
    public let metrics: WebhookMetrics

    public init(configuration: TwilioWebhookConfiguration, calls: CallStore, metrics: WebhookMetrics = WebhookMetrics()) {
        self.configuration = configuration
        self.calls = calls
        self.metrics = metrics
    }

    public func add<Context: RequestContext>(to router: Router<Context>) {
        router.post("/twilio/status") { request, context in
            try await self.status(request, logger: context.logger)
        }
    }

    func status(_ request: Request, logger: Logger) async throws -> Response {
        let signed = try await SignedTwilioRequest.read(request, configuration: configuration, logger: logger)
        guard let event = Self.event(signed, attempt: request.uri.queryParameters["attempt"].map(String.init)) else {
            logger.warning("status callback without a CallSid or a known CallStatus")
            return Response(status: .badRequest)
        }
        if let timestamp = event.timestamp {
            metrics.callbackLag(.seconds(Date().timeIntervalSince(timestamp)))
        }
        let result = try await metrics.database("record_call_status") { try await calls.record(event) }
        // One line per callback would be thousands a second; call_events is the record.
        logger.debug("status callback", metadata: [
            "call_sid": "\(event.callSID)", "status": "\(event.status)", "sequence": "\(event.sequenceNumber)", "result": "\(result)",
        ])
        return Response(status: .noContent)
    }

    /// The event a callback describes; nil when it lacks what every callback carries.
    static func event(_ signed: SignedTwilioRequest, attempt: String?) -> CallStatusEvent? {
        guard let sid = signed.callSID, let status = signed.value("CallStatus"),
              CallStatusEvent.statuses.contains(status)
        else { return nil }
        let sequence: Int
        if let text = signed.value("SequenceNumber") {
            guard let number = Int(text), number >= 0 else { return nil }
            sequence = number
        } else {
            sequence = -1
        }
        var event = CallStatusEvent(
            callSID: sid, attemptID: attempt.flatMap { UUID(uuidString: $0) }, sequenceNumber: sequence, status: status,
            parameters: Dictionary(signed.parameters, uniquingKeysWith: { first, _ in first })
        )
        event.answeredBy = signed.value("AnsweredBy")
        event.durationSeconds = signed.value("CallDuration").flatMap { Int($0) }
        event.sipResponseCode = signed.value("SipResponseCode").flatMap { Int($0) }
        event.timestamp = signed.value("Timestamp").flatMap(TwilioDate.date(from:))
        return event
    }
}
