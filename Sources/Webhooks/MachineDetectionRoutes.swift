import Foundation
import Hummingbird
import Logging
import Store
import Twilio

/// Ends a call in progress: what the AMD route asks of Twilio when a machine answers and the
/// campaign hangs up on machines.
public protocol CallControl: Sendable {
    func hangUp(callSID: String) async throws
}

extension TwilioClient: CallControl {
    public func hangUp(callSID: String) async throws {
        _ = try await hangUp(sid: callSID)
    }
}

/// `POST /twilio/amd`: Twilio's AsyncAmd result for a call.
///
/// The result is recorded once on the call (the retry policy reads it when the call ends). A
/// machine under the `hang_up` voicemail policy is hung up on through the REST API; under
/// `leave_message` the call goes on and the agent leaves its message.
public struct MachineDetectionRoutes: Sendable {
    public let configuration: TwilioWebhookConfiguration
    public let calls: CallStore
    /// Nil when this process has no REST credentials: machines are then recorded, not hung up on.
    public let control: (any CallControl)?
    public let metrics: WebhookMetrics

    public init(configuration: TwilioWebhookConfiguration, calls: CallStore, control: (any CallControl)?, metrics: WebhookMetrics = WebhookMetrics())
    {
        self.configuration = configuration
        self.calls = calls
        self.control = control
        self.metrics = metrics
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
        let result = try await metrics.database("record_machine_detection") {
            try await calls.recordMachineDetection(
                callSID: callSID,
                attemptID: attemptID,
                answeredBy: answeredBy,
                parameters: Dictionary(signed.parameters, uniquingKeysWith: { first, _ in first })
            )
        }
        logger.info("AMD result", metadata: ["call_sid": "\(callSID)", "answered_by": "\(answeredBy)", "result": "\(result)"])
        if case .recorded(_, hangUp: true) = result {
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
