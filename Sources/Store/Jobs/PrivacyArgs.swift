import Foundation
import Queue

/// `purge_conversations`: removes the words of calls that ended before `olderThan`, of one
/// campaign or of all (PurgeConversationsHandler). Enqueued by `dialer privacy purge`.
public struct PurgeConversationsArgs: JobArgs {
    public static let kind = "purge_conversations"
    /// Behind the calls: a purge waits while the queue is busy dialing.
    public static var options: JobOptions { JobOptions(priority: 3) }

    public let olderThan: Date
    public let campaignID: Int64?

    public init(olderThan: Date, campaignID: Int64? = nil) {
        self.olderThan = olderThan
        self.campaignID = campaignID
    }

    /// One open purge per campaign (or of all): a second request joins the first.
    public var uniqueKey: String? { "purge:" + (campaignID.map(String.init) ?? "all") }
}

/// `erase_phone`: erases one person's number and words everywhere the dialer keeps them, and
/// lists the number as not to be called (ErasePhoneHandler). Enqueued by `dialer privacy
/// erase`. No unique key: it would keep the number.
public struct ErasePhoneArgs: JobArgs {
    public static let kind = "erase_phone"
    /// Ahead of the calls: until it has run, the number may still be dialed.
    public static var options: JobOptions { JobOptions(priority: 1) }

    /// E.164; masked to its last four digits once the erasure is done.
    public let phone: String

    public init(phone: String) {
        self.phone = phone
    }
}

/// `apply_retention`: purges each campaign's conversations past its `retention_days`
/// (RetentionHandler). One recurring job; every worker makes sure it exists.
public struct ApplyRetentionArgs: RecurringJobArgs {
    public static let kind = "apply_retention"
    public init() {}
}
