import Backoff
import Logging
import Queue
import Salesforce
import Store

/// `import_campaign`: streams the campaign's Contacts from Salesforce, page by page, into
/// contact rows and one `place_call` job per callable contact, then marks the campaign active.
///
/// Each page is one transaction and re-running is harmless, so a worker killed mid-import
/// leaves a campaign the rescued job completes with no duplicates. A query Salesforce refuses
/// (MALFORMED_QUERY, INVALID_FIELD, INVALID_TYPE) fails the campaign with Salesforce's message;
/// REQUEST_LIMIT_EXCEEDED, outages and expired sessions are retried.
///
/// Leads to: one `place_call` (PlaceCallArgs) per callable contact, enqueued with its page
/// (`dialer.import_page`).
public struct ImportCampaignHandler: JobWorker {
    public typealias Args = ImportCampaignArgs
    /// One run reads every page of the campaign's query: a big campaign takes a while, and a
    /// run given up on starts again from the first page (pages are idempotent).
    public var timeout: Duration? { .seconds(6 * 3600) }
    public let campaigns: CampaignStore
    public let salesforce: SalesforceClient
    public let classifier: ContactClassifier
    let logger: Logger

    /// Salesforce limits and outages last minutes, not milliseconds: the default waits 5 s,
    /// then doubles up to 10 minutes.
    public let backoff: RetryBackoff

    public init(
        campaigns: CampaignStore,
        salesforce: SalesforceClient,
        classifier: ContactClassifier = .init(),
        backoff: RetryBackoff = RetryBackoff(base: 5, factor: 2, cap: 600, jitter: 0.2),
        logger: Logger
    ) {
        self.campaigns = campaigns
        self.salesforce = salesforce
        self.classifier = classifier
        self.backoff = backoff
        self.logger = logger
    }

    static let refusedQueryCodes: Set<String> = ["MALFORMED_QUERY", "INVALID_FIELD", "INVALID_TYPE"]

    public func run(_ args: ImportCampaignArgs, job: Job) async throws -> JobOutcome {
        let campaignID = args.campaignID
        guard let campaign = try await campaigns.campaign(id: campaignID) else {
            throw PermanentFailure("campaign \(campaignID) does not exist")
        }
        // A pause stops dialing, not the import: a paused campaign still gets its contacts.
        guard campaign.status == .importing || (campaign.status == .paused && !campaign.imported) else {
            return .cancelled(reason: "campaign \(campaign.name) is \(campaign.status.rawValue), not importing")
        }
        try await campaigns.beginImport(campaignID: campaignID)
        var pages = 0
        var queued = 0
        do {
            for try await page in salesforce.queryPages(campaign.soql, as: SalesforceContact.self) {
                let result = try await campaigns.importPage(
                    campaignID: campaignID,
                    contacts: classifier.classify(page.records),
                    salesforceTotal: page.totalSize
                )
                pages += 1
                queued += result.callsQueued
            }
        } catch let SalesforceError.api(_, code, message, _) where Self.refusedQueryCodes.contains(code) {
            try await campaigns.failImport(campaignID: campaignID, reason: "\(code): \(message)")
            throw PermanentFailure("Salesforce refused the campaign's query: \(code): \(message)")
        }
        try await campaigns.finishImport(campaignID: campaignID)
        logger.info("campaign imported", metadata: ["campaign": "\(campaign.name)", "pages": "\(pages)", "calls_queued": "\(queued)"])
        return .completed
    }
}
