import Campaigns
import Foundation
import PostgresNIO
import Store

/// `/v1/campaigns`: create (the CLI's checks), list, one, and pause, resume, cancel.
extension DialerAPI {
    func createCampaign(_ input: Operations.CreateCampaign.Input) async throws -> Operations.CreateCampaign.Output {
        guard case .json(let body) = input.body else { throw APIProblem.invalid("/", "send a JSON body") }
        var draft = CampaignDraft(name: body.name, condition: body._where, soql: body.soql, from: body.from)
        draft.ratePerSecond = body.ratePerSecond ?? draft.ratePerSecond
        draft.maxConcurrentCalls = body.maxConcurrentCalls ?? draft.maxConcurrentCalls
        draft.maxAttempts = body.maxAttempts ?? draft.maxAttempts
        draft.window = body.window ?? draft.window
        draft.agentScript = body.agentScript
        draft.disclosure = body.disclosure
        draft.voicemailPolicy = body.voicemailPolicy
        draft.transferNumber = body.transferNumber
        draft.transferHours = body.transferHours
        draft.transferTimeZone = body.transferTimeZone
        draft.retention = body.retention
        let campaign: NewCampaign
        do {
            campaign = try draft.validated()
        } catch {
            throw APIProblem.invalid(error.field == .query ? "/where" : "/\(Self.jsonField(error.field))", error.reason)
        }
        let key = try caller
        let answer = try await idempotently(input.headers.idempotencyKey, key: key, operation: "createCampaign", request: body) { connection in
            do {
                _ = try await campaigns.create(campaign, on: connection)
            } catch CampaignError.nameTaken(let name) {
                throw APIProblem.conflict("a campaign is already named \(name)")
            }
            return try .init(status: 201, json: Components.Schemas.Campaign(created: campaign))
        }
        await progress.invalidate(name: campaign.name)
        return .created(.init(body: .json(try answer.decoded(Components.Schemas.Campaign.self))))
    }

    func listCampaigns(_ input: Operations.ListCampaigns.Input) async throws -> Operations.ListCampaigns.Output {
        try await serving {
            .ok(.init(body: .json(.init(campaigns: try await progress.progress(name: nil).value.map(\.api)))))
        }
    }

    func getCampaign(_ input: Operations.GetCampaign.Input) async throws -> Operations.GetCampaign.Output {
        .ok(.init(body: .json(try await campaign(named: input.path.name))))
    }

    func pauseCampaign(_ input: Operations.PauseCampaign.Input) async throws -> Operations.PauseCampaign.Output {
        .ok(.init(body: .json(try await apply(.pause, to: input.path.name))))
    }

    func resumeCampaign(_ input: Operations.ResumeCampaign.Input) async throws -> Operations.ResumeCampaign.Output {
        .ok(.init(body: .json(try await apply(.resume, to: input.path.name))))
    }

    func cancelCampaign(_ input: Operations.CancelCampaign.Input) async throws -> Operations.CancelCampaign.Output {
        .ok(.init(body: .json(try await apply(.cancel, to: input.path.name))))
    }

    func campaign(named name: String) async throws -> Components.Schemas.Campaign {
        guard let found = try await serving({ try await progress.progress(name: name).value.first }) else {
            throw APIProblem.notFound("no campaign \(name)")
        }
        return found.api
    }

    func apply(_ move: CampaignMove, to name: String) async throws -> Components.Schemas.Campaign {
        do {
            try await campaigns.apply(move, name: name)
        } catch CampaignError.notFound {
            throw APIProblem.notFound("no campaign \(name)")
        } catch let error as CampaignError {
            throw APIProblem.conflict("\(error)")
        } catch {
            throw ServiceFailure(underlying: error)
        }
        await progress.invalidate(name: name)
        return try await campaign(named: name)
    }

    /// The body's name for a draft's field.
    static func jsonField(_ field: CampaignDraft.Field) -> String {
        field == .condition ? "where" : field.rawValue
    }
}

extension CampaignProgress {
    /// The campaign as the API's `Campaign` schema has it.
    var api: Components.Schemas.Campaign {
        Components.Schemas.Campaign(
            name: name,
            status: .init(rawValue: status.rawValue) ?? .failed,
            soql: soql,
            pauseReason: pauseReason,
            importError: importError,
            progress: .init(
                salesforceTotal: salesforceTotal,
                recordsSeen: recordsSeen,
                contacts: contacts,
                callable: callable,
                skipped: .init(additionalProperties: skipped),
                pending: pending,
                inProgress: inProgress,
                done: done,
                outcomes: .init(additionalProperties: outcomes),
                callsPlaced: callsPlaced,
                callsAnswered: callsAnswered,
                averageDurationSeconds: averageDurationSeconds,
                tasksSynced: tasksSynced,
                tasksFailed: tasksFailed,
                tasksPending: tasksPending
            ),
            createdAt: createdAt,
            importedAt: importedAt
        )
    }
}

extension Components.Schemas.Campaign {
    /// A campaign just created: importing, nothing counted yet.
    init(created campaign: NewCampaign) {
        self.init(
            name: campaign.name,
            status: .importing,
            soql: campaign.soql,
            progress: .init(
                recordsSeen: 0,
                contacts: 0,
                callable: 0,
                skipped: .init(),
                pending: 0,
                inProgress: 0,
                done: 0,
                outcomes: .init(),
                callsPlaced: 0,
                callsAnswered: 0,
                tasksSynced: 0,
                tasksFailed: 0,
                tasksPending: 0
            ),
            createdAt: Date()
        )
    }
}
