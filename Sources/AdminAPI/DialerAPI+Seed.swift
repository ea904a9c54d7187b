import Foundation
import Store

/// The seed's status route, `GET /twilio/call/{callSid}/status`: `GET /v1/calls/{id}` in the
/// original system's shape, for clients written against it.
extension DialerAPI {
    func seedCallStatus(_ input: Operations.SeedCallStatus.Input) async throws -> Operations.SeedCallStatus.Output {
        guard let call = try await call(input.path.callSid) else {
            throw APIProblem.notFound("no call \(input.path.callSid)")
        }
        return .ok(.init(body: .json(call.seedStatus)))
    }
}

extension CallRecord {
    /// The call as the original system's status answer had it.
    var seedStatus: Components.Schemas.SeedCallStatus {
        Components.Schemas.SeedCallStatus(
            id: id.uuidString.lowercased(),
            callSid: callSID,
            status: state,
            answeredBy: answeredBy,
            duration: durationSeconds,
            scheduledFor: scheduledFor
        )
    }
}
