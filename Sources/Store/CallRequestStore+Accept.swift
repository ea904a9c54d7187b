import Foundation
import PostgresNIO

/// The campaign an API call joins, with what decides when its call may start.
public struct CallRequestCampaign: Sendable {
    public let campaign: CallCampaign
    public let windowStart: String
    public let windowEnd: String
    /// The calling rules of the contact's states (and `*`).
    public let callingRules: [CallingRule]
}

/// One checked and decided API call, as `dialer.accept_call_request` writes it.
public struct CallAcceptance: Sendable {
    public var idempotency: IdempotencyClaim?
    public var campaignID: Int64
    public var requestID: UUID
    public var request: NewCallRequest
    /// The contact row of a call to a number; nil for a call about a Contact, which is read first.
    public var contact: ImportedContact?
    /// The job: `prepare_call` (args and key given) or the contact's first `place_call` (args
    /// and key made in SQL from the contact row's id), due `runAfter` from now.
    public var jobKind: String
    public var jobArgs: String?
    public var jobKey: String?
    public var jobPriority: Int
    public var jobMaxAttempts: Int
    public var runAfter: Duration
    /// The answer, and the one stored instead when the number is on the DNC list.
    public var answer: IdempotencyStore.Answer
    public var answerIfOnDNCList: Data

    public init(
        idempotency: IdempotencyClaim?,
        campaignID: Int64,
        requestID: UUID,
        request: NewCallRequest,
        contact: ImportedContact?,
        job: (kind: String, args: String?, key: String?, priority: Int, maxAttempts: Int),
        runAfter: Duration,
        answer: IdempotencyStore.Answer,
        answerIfOnDNCList: Data
    ) {
        self.idempotency = idempotency
        self.campaignID = campaignID
        self.requestID = requestID
        self.request = request
        self.contact = contact
        (jobKind, jobArgs, jobKey, jobPriority, jobMaxAttempts) = job
        self.runAfter = runAfter
        self.answer = answer
        self.answerIfOnDNCList = answerIfOnDNCList
    }
}

/// The campaign took no more calls when the call was written: its status then.
public struct CampaignTakesNoCalls: Error, Equatable {
    public let status: String

    public init(status: String) {
        self.status = status
    }
}

extension CallRequestStore {
    /// The campaign named `name` (nil: the built-in one, made now with `from` when missing),
    /// with its calling hours and the rules of `callingStates` (or of `mailingState` when
    /// there are none), as `CampaignStore.dialContext` reads them for a contact row.
    public func dialingCampaign(
        named name: String?,
        makingWith from: String?,
        callingStates: [String],
        mailingState: String?
    ) async throws -> CallRequestCampaign? {
        let name = name ?? Self.builtInCampaign
        if let found = try await readDialingCampaign(name, callingStates: callingStates, mailingState: mailingState) { return found }
        guard name == Self.builtInCampaign, from != nil else { return nil }
        _ = try await database.client.withConnection { try await campaign(named: name, makingWith: from, on: $0) }
        return try await readDialingCampaign(name, callingStates: callingStates, mailingState: mailingState)
    }

    private func readDialingCampaign(_ name: String, callingStates: [String], mailingState: String?) async throws -> CallRequestCampaign? {
        var binds = PostgresBindings()
        binds.append(name)
        binds.append(callingStates)
        if let mailingState { binds.append(mailingState) } else { binds.appendNull() }
        let sql = """
            SELECT c.id, c.name, c.status, c.from_number, c.window_start::text, c.window_end::text,
                   (SELECT coalesce(json_agg(\(CallingRuleStore.ruleJSON)), '[]')::text FROM dialer.calling_rules AS r
                    WHERE \(CallingRuleStore.applicable(states: "$2::text[]", mailingState: "$3::text")))
            FROM dialer.campaigns AS c WHERE c.name = $1
            """
        let rows = try await database.client.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
        for try await (id, name, status, from, start, end, rules) in rows.decode((Int64, String, String, String, String, String, String).self) {
            return CallRequestCampaign(
                campaign: CallCampaign(id: id, name: name, status: CampaignStatus(rawValue: status) ?? .failed, fromNumber: from),
                windowStart: start,
                windowEnd: end,
                callingRules: try CallingRule.decode(json: rules)
            )
        }
        return nil
    }

    /// Writes the call in one statement (`dialer.accept_call_request`), committed on its own.
    /// Throws `CampaignTakesNoCalls` when the campaign closed since it was read.
    public func accept(_ call: CallAcceptance) async throws -> IdempotencyStore.Outcome {
        do {
            let rows = try await database.rows(AcceptCallRequestStatement(call: call))
            // The error of a refused statement may come with its rows: both are inside the catch.
            for (outcome, status, body) in rows {
                let stored = IdempotencyStore.Answer(status: status, body: Data(body.utf8))
                switch outcome {
                case "performed": return .performed(stored)
                case "replayed": return .replayed(stored)
                default: return .mismatch
                }
            }
        } catch  where PostgresFailure.sqlState(of: error) == "DC001" {
            throw CampaignTakesNoCalls(status: PostgresFailure.serverError(in: error)?.serverInfo?[.message] ?? "closed")
        }
        throw CallRequestStoreError.notInserted
    }
}
