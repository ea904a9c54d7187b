import Foundation
import Store

/// `/v1/task-syncs`: what failed, and the retry `dialer tasks retry` does.
extension DialerAPI {
    func listTaskSyncs(_ input: Operations.ListTaskSyncs.Input) async throws -> Operations.ListTaskSyncs.Output {
        let heldBack = input.query.state == .heldBack
        return try await serving {
            let failures = try await TaskSyncOperations(database: database).failures(campaign: input.query.campaign, includeHeldBack: heldBack)
            return .ok(
                .init(
                    body: .json(
                        .init(
                            taskSyncs: failures.map {
                                .init(
                                    callSid: $0.callSID,
                                    campaign: $0.campaign,
                                    contactId: $0.contact,
                                    state: $0.state == "failed" ? .failed : .pending,
                                    attempts: $0.attempts,
                                    errorCode: $0.errorCode,
                                    error: $0.error,
                                    updatedAt: $0.updatedAt
                                )
                            }
                        )
                    )
                )
            )
        }
    }

    func retryTaskSyncs(_ input: Operations.RetryTaskSyncs.Input) async throws -> Operations.RetryTaskSyncs.Output {
        guard case .json(let body) = input.body else { throw APIProblem.invalid("/", "send a JSON body") }
        let selection = TaskSyncOperations.RetrySelection(
            campaign: body.campaign,
            callSID: body.callSid,
            since: body.since,
            allFailed: body.allFailed ?? false
        )
        do {
            let count = try await TaskSyncOperations(database: database).retry(selection)
            return .ok(.init(body: .json(.init(requeued: count))))
        } catch TaskSyncOperations.RetryError.nothingSelected {
            throw APIProblem.invalid("/allFailed", "name a campaign, a callSid or a time (since), or say allFailed: true")
        } catch TaskSyncOperations.RetryError.unknownCampaign(let name) {
            throw APIProblem.invalid("/campaign", "no campaign \(name)")
        } catch {
            throw ServiceFailure(underlying: error)
        }
    }
}
