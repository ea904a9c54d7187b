import Backoff
import Foundation
import Logging
import PostgresNIO
import Queue
import Salesforce
import Store

/// `prepare_call`: reads the Contact an API call is about from Salesforce and turns the request
/// into its contact row, as the import would have made it (the same classifier: the phone
/// field preference, every candidate zone, DoNotCall), and its first `place_call` job.
///
/// The client's `to`, when given, is dialed instead of the Contact's number (the zones are the
/// Contact's mailing state's and that number's area code's). The Contact's Description becomes
/// the call's message unless the client gave one. DoNotCall set makes the call `skipped`; a
/// Contact Salesforce does not have makes it `failed`. An outage, an expired session or
/// REQUEST_LIMIT_EXCEEDED is retried with backoff, the call staying queued meanwhile.
///
/// Leads to: one `place_call` (PlaceCallArgs) for a callable Contact, due at the first instant
/// the calling hours allow.
public struct PrepareCallHandler: JobWorker {
    public typealias Args = PrepareCallArgs
    /// As the import's: Salesforce outages last minutes; 5 s, doubling to 10 minutes.
    public let backoff: RetryBackoff
    let database: Database
    let requests: CallRequestStore
    let calls: CallRequests
    let salesforce: SalesforceClient
    let classifier: ContactClassifier
    let logger: Logger

    public init(
        database: Database,
        salesforce: SalesforceClient,
        classifier: ContactClassifier = .init(),
        now: @escaping @Sendable () -> Date = { Date() },
        ring: Duration = DialingConfiguration(publicURL: "", accountSID: "").ringAndSlotWait,
        backoff: RetryBackoff = RetryBackoff(base: 5, factor: 2, cap: 600, jitter: 0.2),
        logger: Logger
    ) {
        self.database = database
        requests = CallRequestStore(database: database)
        calls = CallRequests(database: database, defaultFrom: nil, now: now, ring: ring)
        self.salesforce = salesforce
        self.classifier = classifier
        self.backoff = backoff
        self.logger = logger
    }

    /// Salesforce's refusals of the query itself, which no retry changes (an id it cannot read
    /// as one, say).
    static let refusedQueryCodes: Set<String> = ["MALFORMED_QUERY", "INVALID_FIELD", "INVALID_TYPE", "INVALID_QUERY_FILTER_OPERATOR"]

    public func run(_ args: PrepareCallArgs, job: Job) async throws -> JobOutcome {
        guard let request = try await requests.request(id: args.requestID) else {
            throw PermanentFailure("no call request \(args.requestID)")
        }
        guard request.state == .pending, let contactID = request.salesforceID else { return .completed }
        let found: [RequestedContact]
        do {
            // The id was checked to be 15 or 18 letters and digits: nothing to escape.
            found = try await salesforce.query(
                "SELECT \(RequestedContact.fields.joined(separator: ", ")) FROM Contact WHERE Id = '\(contactID)'",
                as: RequestedContact.self
            )
        } catch let SalesforceError.api(_, code, message, _) where Self.refusedQueryCodes.contains(code) {
            try await requests.markFailed(
                request.id,
                reason: "Salesforce refused to read Contact \(contactID): \(code): \(PhoneNumber.redacting(message))"
            )
            throw PermanentFailure("Salesforce refused to read Contact \(contactID): \(code)")
        } catch {
            if job.attempt >= job.maxAttempts {
                try await requests.markFailed(
                    request.id,
                    reason: "Salesforce could not be read after \(job.attempt) tries: \(PhoneNumber.redacting("\(error)"))"
                )
            }
            throw error
        }
        guard let record = found.first else {
            try await requests.markFailed(request.id, reason: "Salesforce has no Contact \(contactID)")
            logger.info("call not made: no such Contact", metadata: ["request": "\(request.id)"])
            return .completed
        }
        var contactRecord = record.contact
        if let to = request.to {
            contactRecord.MobilePhone = to
            contactRecord.Phone = nil
        }
        var contact = classifier.classify([contactRecord])[0]
        if request.to != nil { contact.phoneField = nil }  // the client's number, no Salesforce field's
        do {
            try await database.client.withTransaction(logger: database.logger) { connection in
                _ = try await calls.admit(contact, requestID: request.id, campaignID: request.campaignID, on: connection)
                try await requests.markPrepared(request.id, description: record.Description, on: connection)
            }
        } catch let error as PostgresTransactionError {
            throw error.closureError ?? error
        }
        return .completed
    }
}

/// A Contact with its Description, which becomes an API call's message.
struct RequestedContact: Decodable, Sendable {
    var contact: SalesforceContact
    var Description: String?

    static let fields = SalesforceContact.fields + ["Description"]

    enum Key: String, CodingKey {
        case Description
    }

    init(from decoder: any Decoder) throws {
        contact = try SalesforceContact(from: decoder)
        Description = try decoder.container(keyedBy: Key.self).decodeIfPresent(String.self, forKey: .Description)
    }
}
