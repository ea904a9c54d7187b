import Queue

/// `place_call`: dials one contact once (PlaceCallHandler). Enqueued by the import
/// (`dialer.import_page`, the first call) and by the end of a call the retry policy calls
/// again (`dialer.end_calls`, each retry), both through `dialer.enqueue_jobs`.
public struct PlaceCallArgs: JobArgs {
    public static let kind = "place_call"

    public let contactID: Int64

    public init(contactID: Int64) {
        self.contactID = contactID
    }

    /// The first call's key, `place_call:<contact>` (`dialer.place_call_key(contact)`); retries,
    /// enqueued only in SQL, are numbered: `place_call:<contact>:<n>`.
    public var uniqueKey: String? { Self.uniqueKey(contactID: contactID, callNumber: nil) }

    /// As `dialer.place_call_key` makes it: the import's first call has no number (its format
    /// predates retries); each retry is numbered from 2.
    public static func uniqueKey(contactID: Int64, callNumber: Int?) -> String {
        "place_call:\(contactID)" + (callNumber.map { ":\($0)" } ?? "")
    }
}
