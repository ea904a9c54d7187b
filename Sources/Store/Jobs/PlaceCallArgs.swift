import Foundation
import Queue

/// `place_call`: dials one contact once (PlaceCallHandler). Enqueued by the import
/// (`dialer.import_page`, the first call) and by the end of a call the retry policy calls
/// again (`dialer.end_calls`, each retry), both through `dialer.enqueue_jobs`.
public struct PlaceCallArgs: JobArgs {
    public static let kind = "place_call"

    public let contactID: Int64
    /// The attempt whose callee asked to be called back, for a callback's call
    /// (`dialer.schedule_callback`): it is placed even when the contact had its calls.
    public let callbackFor: UUID?

    public init(contactID: Int64, callbackFor: UUID? = nil) {
        self.contactID = contactID
        self.callbackFor = callbackFor
    }

    /// The first call's key, `place_call:<contact>` (`dialer.place_call_key(contact)`); retries,
    /// enqueued only in SQL, are numbered: `place_call:<contact>:<n>`; a callback's is
    /// `place_call:callback:<attempt>` (`dialer.callback_key`).
    public var uniqueKey: String? {
        callbackFor.map(Self.callbackKey) ?? Self.uniqueKey(contactID: contactID, callNumber: nil)
    }

    /// As `dialer.callback_key` makes it.
    public static func callbackKey(attemptID: UUID) -> String {
        "place_call:callback:\(attemptID.uuidString.lowercased())"
    }

    /// As `dialer.place_call_key` makes it: the import's first call has no number (its format
    /// predates retries); each retry is numbered from 2.
    public static func uniqueKey(contactID: Int64, callNumber: Int?) -> String {
        "place_call:\(contactID)" + (callNumber.map { ":\($0)" } ?? "")
    }
}
