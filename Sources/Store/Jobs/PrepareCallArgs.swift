import Foundation
import Queue

/// `prepare_call`: reads the Salesforce Contact of a call asked for through the API and turns
/// the request into a contact row and its `place_call` job (PrepareCallHandler). Enqueued by
/// `CallRequestStore.insert` when the request names a Contact, in the request's transaction,
/// so the POST asks nothing of Salesforce and an outage only delays the call.
public struct PrepareCallArgs: JobArgs {
    public static let kind = "prepare_call"

    public let requestID: UUID

    public init(requestID: UUID) {
        self.requestID = requestID
    }

    /// `prepare_call:<request uuid>`: one open job per request.
    public var uniqueKey: String? { "prepare_call:\(requestID.uuidString.lowercased())" }
}
