import Foundation
import PostgresNIO

/// The operator's side of Task syncs: what failed (`dialer.task_sync_failures`) and the
/// one-command retry (`dialer.retry_task_sync`), shared by `dialer tasks` and SQL.
public struct TaskSyncOperations: Sendable {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// One row of `dialer.task_sync_failures`.
    public struct Failure: Sendable, Equatable {
        public let callSID: String
        public let campaign: String
        /// The Contact's Salesforce id; `-` for an API call to a number alone.
        /// The Contact's Salesforce id; nil for a call to a number alone (`POST /v1/calls`).
        public let contact: String?
        public let state: String
        public let attempts: Int
        public let errorCode: String?
        public let error: String?
        public let updatedAt: Date
    }

    /// Failed syncs, and pending ones held back by an error, oldest first; `campaign` by name.
    public func failures(campaign: String? = nil, includeHeldBack: Bool = false) async throws -> [Failure] {
        let rows = try await database.client.query(
            """
            SELECT call_sid, campaign, contact, state, attempts, last_error_code, last_error, updated_at
            FROM dialer.task_sync_failures
            WHERE (\(campaign)::text IS NULL OR campaign = \(campaign)::text) AND (state = 'failed' OR \(includeHeldBack))
            ORDER BY updated_at, call_sid
            """,
            logger: database.logger
        )
        var result: [Failure] = []
        for try await (sid, campaign, contact, state, attempts, code, error, updated)
            in rows.decode((String, String, String?, String, Int, String?, String?, Date).self)
        {
            result.append(
                Failure(
                    callSID: sid,
                    campaign: campaign,
                    contact: contact,
                    state: state,
                    attempts: attempts,
                    errorCode: code,
                    error: error,
                    updatedAt: updated
                )
            )
        }
        return result
    }

    /// What to re-queue: filters combine; with none, `allFailed` must be said.
    public struct RetrySelection: Sendable {
        public var campaign: String?
        public var callSID: String?
        public var since: Date?
        public var allFailed = false

        public init(campaign: String? = nil, callSID: String? = nil, since: Date? = nil, allFailed: Bool = false) {
            self.campaign = campaign
            self.callSID = callSID
            self.since = since
            self.allFailed = allFailed
        }
    }

    /// Why a retry was refused before anything changed.
    public enum RetryError: Error, Equatable, CustomStringConvertible {
        case nothingSelected
        case unknownCampaign(String)

        public var description: String {
            switch self {
            case .nothingSelected: "name a campaign (--campaign), a call (--call-sid) or a time (--since), or say --all-failed"
            case .unknownCampaign(let name): "no campaign \(name)"
            }
        }
    }

    /// Re-queues failed syncs through `dialer.retry_task_sync`; returns how many.
    public func retry(_ selection: RetrySelection) async throws -> Int {
        guard selection.campaign != nil || selection.callSID != nil || selection.since != nil || selection.allFailed else {
            throw RetryError.nothingSelected
        }
        var campaignID: Int64?
        if let name = selection.campaign {
            let ids = try await database.client.query("SELECT id FROM dialer.campaigns WHERE name = \(name)", logger: database.logger)
            for try await id in ids.decode(Int64.self) { campaignID = id }
            guard campaignID != nil else { throw RetryError.unknownCampaign(name) }
        }
        let rows = try await database.client.query(
            """
            SELECT dialer.retry_task_sync(p_campaign_id => \(campaignID), p_call_sid => \(selection.callSID),
                                          p_since => \(selection.since), p_all_failed => \(selection.allFailed),
                                          p_finalize_kind => \(FinalizeCallArgs.kind))
            """,
            logger: database.logger
        )
        for try await count in rows.decode(Int.self) { return count }
        return 0
    }
}
