import Foundation
import Store

// The calls helper replaces this file: POST /v1/calls and the seed's POST /twilio/outbound/call
// (a call request, its idempotency, its 202), on the call-request backend.
extension DialerAPI {
    func createCall(_ input: Operations.CreateCall.Input) async throws -> Operations.CreateCall.Output {
        throw APIProblem(.notImplemented, detail: "starting one call lands with the call-request backend")
    }

    func seedStartCall(_ input: Operations.SeedStartCall.Input) async throws -> Operations.SeedStartCall.Output {
        throw APIProblem(.notImplemented, detail: "starting one call lands with the call-request backend")
    }
}
