import CallTrace
import Foundation
import Hummingbird
import Logging
import Store
import Tracing
import Twilio

/// `POST /twilio/status`: Twilio's status callbacks, signed, recorded once, applied only
/// when they move a call forward (`CallStore`).
///
/// A refused signature is a 403 and a body over the limit a 413, both before anything is
/// written; a callback without a CallSid, with an unknown CallStatus, or with a counter
/// (SequenceNumber, CallDuration, SipResponseCode) that is not a whole number an `integer`
/// column holds is a 400. A validly
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
        let result = try await CallTrace.withSpan("twilio.status", attempt: event.attemptID, ofKind: .server) { span in
            span.attributes["twilio.call_sid"] = event.callSID
            span.attributes["twilio.call_status"] = event.status
            span.attributes["twilio.sequence_number"] = event.sequenceNumber
            let result = try await metrics.database("record_call_status") { try await calls.record(event) }
            span.attributes["dialer.result"] = "\(result)"
            return result
        }
        // One line per callback would be thousands a second; call_events is the record.
        logger.debug(
            "status callback",
            metadata: [
                "call_sid": "\(event.callSID)", "status": "\(event.status)", "sequence": "\(event.sequenceNumber)", "result": "\(result)",
            ]
        )
        return Response(status: .noContent)
    }

    /// The event a callback describes; nil when it lacks what every callback carries.
    static func event(_ signed: SignedTwilioRequest, attempt: String?) -> CallStatusEvent? {
        guard let sid = signed.callSID, let status = signed.value("CallStatus"),
            CallStatusEvent.statuses.contains(status)
        else { return nil }
        // Counters go to Postgres integer columns: a value no Twilio sends (3000000000) is
        // refused here as a 400, never left to fail the write as a 500.
        guard let sequence = Self.counter(signed.value("SequenceNumber")),
            let duration = Self.counter(signed.value("CallDuration")),
            let sipResponseCode = Self.counter(signed.value("SipResponseCode"))
        else { return nil }
        var event = CallStatusEvent(
            callSID: sid,
            attemptID: attempt.flatMap { UUID(uuidString: $0) },
            sequenceNumber: sequence ?? -1,
            status: status,
            parameters: Dictionary(signed.parameters, uniquingKeysWith: { first, _ in first })
        )
        event.answeredBy = signed.value("AnsweredBy")
        event.durationSeconds = duration
        event.sipResponseCode = sipResponseCode
        event.timestamp = signed.value("Timestamp").flatMap(TwilioDate.date(from:))
        return event
    }

    /// An optional counter: `.some(nil)` when absent, nil when it is not a whole number in
    /// `0...Int32.max` (what a Postgres `integer` holds).
    static func counter(_ text: String?) -> Int?? {
        guard let text else { return .some(nil) }
        guard let value = Int(text), (0...Int(Int32.max)).contains(value) else { return nil }
        return .some(value)
    }
}
