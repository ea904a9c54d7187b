import Foundation
import Store

/// `GET /v1/calls` and `GET /v1/calls/{id}`.
extension DialerAPI {
    func listCalls(_ input: Operations.ListCalls.Input) async throws -> Operations.ListCalls.Output {
        let query = input.query
        var cursor: CallListCursor?
        if let token = query.cursor {
            guard let parsed = CallListCursor(token: token) else { throw APIProblem.invalid("cursor", "is not a cursor this API gave") }
            cursor = parsed
        }
        let limit = query.limit ?? 50
        guard (1...CallRecordStore.maxPageSize).contains(limit) else {
            throw APIProblem.invalid("limit", "must be from 1 to \(CallRecordStore.maxPageSize)")
        }
        return try await serving {
            let filter = CallListFilter(campaign: query.campaign, state: query.status, since: query.since, limit: limit, cursor: cursor)
            let page = try await calls.calls(filter, revealPhones: revealPhones)
            return .ok(.init(body: .json(.init(calls: page.calls.map(\.api), nextCursor: page.next?.token))))
        }
    }

    func getCall(_ input: Operations.GetCall.Input) async throws -> Operations.GetCall.Output {
        guard let call = try await call(input.path.id) else {
            throw APIProblem.notFound("no call \(input.path.id): give the id POST /v1/calls answered with, or Twilio's CallSid")
        }
        return .ok(.init(body: .json(call.api)))
    }

    /// A call by the dialer's id or by CallSid.
    func call(_ id: String) async throws -> CallRecord? {
        try await serving {
            if let uuid = UUID(uuidString: id) { return try await calls.call(id: uuid, revealPhones: revealPhones) }
            guard id.utf8.count == 34, id.hasPrefix("CA") else { return nil }
            return try await calls.call(callSID: id, revealPhones: revealPhones)
        }
    }
}

extension CallRecord {
    /// The call as the API's `Call` schema has it.
    var api: Components.Schemas.Call {
        Components.Schemas.Call(
            id: id.uuidString.lowercased(),
            callSid: callSID,
            campaign: campaign,
            contactId: contactID,
            to: to,
            from: from,
            attempt: attempt,
            state: state,
            twilioStatus: twilioStatus,
            answeredBy: answeredBy,
            durationSeconds: durationSeconds,
            outcome: outcome,
            error: errorMessage,
            scheduledFor: scheduledFor,
            createdAt: createdAt,
            answeredAt: answeredAt,
            endedAt: endedAt,
            taskSync: taskSync.map {
                .init(state: .init(rawValue: $0.state) ?? .pending, salesforceTaskId: $0.salesforceTaskID, lastError: $0.lastError)
            },
            transcript: transcript.map {
                .init(
                    seq: $0.seq,
                    speaker: $0.speaker == "agent" ? .agent : .callee,
                    text: $0.text,
                    startMs: $0.startMs,
                    endMs: $0.endMs,
                    interrupted: $0.interrupted
                )
            }
        )
    }
}
