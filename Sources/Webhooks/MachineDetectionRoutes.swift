import CallTrace
import Foundation
import Hummingbird
import Logging
import Store
import Tracing
import Twilio

/// Changes a call in progress: what the AMD route asks of Twilio when a machine answers and
/// the campaign hangs up on machines, and the media route when the agent hands a call over.
public protocol CallControl: Sendable {
    func hangUp(callSID: String) async throws
    /// Replaces the live call's TwiML: a hand-off to a person.
    func redirect(callSID: String, to twiml: TwiML) async throws
}

extension TwilioClient: CallControl {
    public func hangUp(callSID: String) async throws {
        _ = try await hangUp(sid: callSID)
    }

    public func redirect(callSID: String, to twiml: TwiML) async throws {
        _ = try await redirect(sid: callSID, to: twiml)
    }
}

/// `POST /twilio/amd`: Twilio's AsyncAmd result for a call.
///
/// The result is recorded once on the call (the retry policy reads it when the call ends). A
/// machine under the `hang_up` voicemail policy is hung up on through the REST API; under
/// `leave_message` the call goes on, and once the greeting has ended (`machine_end_*`, AMD
/// with DetectMessageEnd) the call's conversation leaves its message: here, if this process
/// holds its media stream, else through a ``CallSignal`` to the process that does.
public struct MachineDetectionRoutes: Sendable {
    public let configuration: TwilioWebhookConfiguration
    public let calls: CallStore
    /// Nil when this process has no REST credentials: machines are then recorded, not hung up on.
    public let control: (any CallControl)?
    public let metrics: WebhookMetrics
    /// This process's live conversations, tried before the signal goes to every process.
    public let conversations: LiveConversations?

    public init(
        configuration: TwilioWebhookConfiguration,
        calls: CallStore,
        control: (any CallControl)?,
        metrics: WebhookMetrics = WebhookMetrics(),
        conversations: LiveConversations? = nil
    ) {
        self.configuration = configuration
        self.calls = calls
        self.control = control
        self.metrics = metrics
        self.conversations = conversations
    }

    public func add<Context: RequestContext>(to router: Router<Context>) {
        router.post("/twilio/amd") { request, context in
            try await self.machineDetection(request, logger: context.logger)
        }
    }

    func machineDetection(_ request: Request, logger: Logger) async throws -> Response {
        let signed = try await SignedTwilioRequest.read(request, configuration: configuration, logger: logger)
        guard let callSID = signed.callSID, let answeredBy = signed.value("AnsweredBy"), !answeredBy.isEmpty else {
            return Response(status: .badRequest)
        }
        let attemptID = request.uri.queryParameters["attempt"].flatMap { UUID(uuidString: String($0)) }
        let result = try await CallTrace.withSpan("twilio.amd", attempt: attemptID, ofKind: .server) { span in
            span.attributes["twilio.call_sid"] = callSID
            span.attributes["twilio.answered_by"] = answeredBy
            return try await metrics.database("record_machine_detection") {
                try await calls.recordMachineDetection(
                    callSID: callSID,
                    attemptID: attemptID,
                    answeredBy: answeredBy,
                    parameters: Dictionary(signed.parameters, uniquingKeysWith: { first, _ in first })
                )
            }
        }
        logger.info("AMD result", metadata: ["call_sid": "\(callSID)", "answered_by": "\(answeredBy)", "result": "\(result)"])
        if case .recorded(_, _, leaveVoicemail: true) = result, conversations?.act(on: .leaveVoicemail(callSID: callSID)) != true {
            // Another process holds the stream (or none yet: its start reads the result).
            try await metrics.database("signal_call") { try await calls.signal(.leaveVoicemail(callSID: callSID)) }
        }
        if case .recorded(_, hangUp: true, _) = result {
            if let control {
                do {
                    try await control.hangUp(callSID: callSID)
                } catch {
                    // The call then ends by itself; the answer stays recorded either way.
                    logger.warning(
                        "could not hang up on a machine",
                        metadata: ["call_sid": "\(callSID)", "error": "\(String(describing: type(of: error)))"]
                    )
                }
            } else {
                logger.warning("a machine answered but no Twilio REST credentials are set: not hanging up", metadata: ["call_sid": "\(callSID)"])
            }
        }
        return Response(status: .noContent)
    }
}
