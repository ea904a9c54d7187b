import Queue

/// `import_campaign`: reads a campaign's contacts from Salesforce, page by page
/// (ImportCampaignHandler). Enqueued with the campaign (`CampaignStore.create`, in SQL).
public struct ImportCampaignArgs: JobArgs {
    public static let kind = "import_campaign"
    /// Ahead of the calls: an import feeds the dialing.
    public static var options: JobOptions { JobOptions(priority: 1) }

    public let campaignID: Int64

    public init(campaignID: Int64) {
        self.campaignID = campaignID
    }

    /// `import:<campaign>`, as `dialer.import_key` makes it: one import per campaign.
    public var uniqueKey: String? { "import:\(campaignID)" }
}
