import Foundation
import Store
import Worker

/// `POST /v1/calls` and the seed's `POST /twilio/outbound/call`: one call, checked and written
/// as rows and jobs only (`CallRequests`), in the statement that stores the answer to its
/// `Idempotency-Key`; answered 202 with the call's id, whatever Salesforce and Twilio are doing.
extension DialerAPI {
    func createCall(_ input: Operations.CreateCall.Input) async throws -> Operations.CreateCall.Output {
        guard case .json(let body) = input.body else { throw APIProblem.invalid("/", "send a JSON body") }
        let request = CallRequestBody(contactId: body.contactId, to: body.to, from: body.from, message: body.message, campaign: body.campaign)
        let answer = try await startCall(request, idempotencyKey: input.headers.idempotencyKey, operation: "createCall") { accepted in
            try .init(status: 202, json: accepted.api)
        }
        return .accepted(.init(body: .json(try answer.decoded(Components.Schemas.CallAccepted.self))))
    }

    func seedStartCall(_ input: Operations.SeedStartCall.Input) async throws -> Operations.SeedStartCall.Output {
        guard case .json(let body) = input.body else { throw APIProblem.invalid("/", "send a JSON body") }
        let request = CallRequestBody(contactId: body.contactId, to: body.toNumber, from: body.fromNumber, message: body.customMessage)
        let answer = try await startCall(
            request,
            idempotencyKey: input.headers.idempotencyKey,
            operation: "seedStartCall",
            fields: ["to": "/toNumber", "from": "/fromNumber", "message": "/customMessage"]
        ) { accepted in
            try .init(status: 202, json: accepted.seedStatus)
        }
        return .accepted(.init(body: .json(try answer.decoded(Components.Schemas.SeedCallStatus.self))))
    }

    /// Writes the call in one statement, under the request's key when it has one; a refusal is a
    /// problem naming the body's field (`fields` renames the fields of a body that calls them
    /// otherwise), and nothing is kept.
    func startCall(
        _ request: CallRequestBody,
        idempotencyKey: String?,
        operation: String,
        fields: [String: String] = [:],
        answer: @escaping @Sendable (AcceptedCall) throws -> IdempotencyStore.Answer
    ) async throws -> IdempotencyStore.Answer {
        let claim = try claim(idempotencyKey, key: try caller, operation: operation, request: request)
        let outcome = try await serving {
            do {
                return try await callRequests.create(request, claim: claim, answer: answer)
            } catch let error as CallRequestError {
                throw error.problem(field: fields[error.field] ?? "/\(error.field)")
            }
        }
        return try self.answer(of: outcome)
    }
}

extension CallRequestError {
    /// 400 naming the field, or 409 for a campaign that takes no more calls.
    func problem(field: String) -> APIProblem {
        switch self {
        case .invalid(_, let reason):
            return .invalid(field, reason)
        case .campaignClosed:
            return APIProblem(.conflict, detail: description, errors: [.init(field: field, detail: "takes no more calls")])
        }
    }
}

extension AcceptedCall {
    var api: Components.Schemas.CallAccepted {
        .init(id: id.uuidString.lowercased(), state: state, scheduledFor: scheduledFor, reason: reason, campaign: campaign)
    }

    /// The seed's answer: the status route's shape, from the moment the call is accepted.
    var seedStatus: Components.Schemas.SeedCallStatus {
        .init(id: id.uuidString.lowercased(), callSid: nil, status: state, answeredBy: nil, duration: nil, scheduledFor: scheduledFor)
    }
}
