import Foundation
import PostgresNIO
import Queue

/// The writes of a call asked for through the API (`dialer.call_requests`, sql/0019): the
/// request, its contact row and its first `place_call` job, or its `prepare_call` job when the
/// Contact must be read first. Every write runs on the caller's connection, inside its
/// transaction, so an idempotent POST commits the call and its stored answer together.
public struct CallRequestStore: Sendable {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    var logger: Logger { database.logger }

    /// The campaign of calls that name none: made on first use, active, with no import (so
    /// `dialer.complete_finished_campaigns` never completes it), one dial per call.
    public static let builtInCampaign = "api"

    /// The longest message a call carries, in characters as Postgres counts them (code points).
    public static let maxMessageLength = 1_000

    /// The campaign named `name`, or, for nil or the built-in name, the built-in campaign,
    /// made now with `from` as its number when it does not exist yet (nil `from`: not made).
    public func campaign(named name: String?, makingWith from: String?, on connection: PostgresConnection) async throws -> CallCampaign? {
        let name = name ?? Self.builtInCampaign
        if let found = try await campaign(named: name, on: connection) { return found }
        guard name == Self.builtInCampaign, let from else { return nil }
        // Two first calls at once: the second waits on the first's row, then finds it.
        try await connection.query(
            """
            INSERT INTO dialer.campaigns (name, soql, status, from_number, max_attempts)
            VALUES (\(name), '', 'active', \(from), 1)
            ON CONFLICT (name) DO NOTHING
            """,
            logger: logger
        )
        return try await campaign(named: name, on: connection)
    }

    private func campaign(named name: String, on connection: PostgresConnection) async throws -> CallCampaign? {
        let rows = try await connection.query(
            "SELECT id, name, status, from_number FROM dialer.campaigns WHERE name = \(name)",
            logger: logger
        )
        for try await (id, name, status, from) in rows.decode((Int64, String, String, String).self) {
            return CallCampaign(id: id, name: name, status: CampaignStatus(rawValue: status) ?? .failed, fromNumber: from)
        }
        return nil
    }

    /// Writes the request; one that names a Contact gets its `prepare_call` job too.
    public func insert(_ request: NewCallRequest, campaignID: Int64, on connection: PostgresConnection) async throws -> UUID {
        let rows = try await connection.query(
            """
            INSERT INTO dialer.call_requests (campaign_id, salesforce_id, to_e164, from_e164, message)
            VALUES (\(campaignID), \(request.salesforceID), \(request.to), \(request.from), \(request.message))
            RETURNING id
            """,
            logger: logger
        )
        var id: UUID?
        for try await value in rows.decode(UUID.self) { id = value }
        guard let id else { throw CallRequestStoreError.notInserted }
        if request.salesforceID != nil {
            let args = PrepareCallArgs(requestID: id)
            try await enqueue(args, args.uniqueKey, groupID: campaignID, after: .zero, on: connection)
        }
        return id
    }

    /// The request's contact row (a request has one: a second write finds the first), with
    /// `internal_dnc` as its skip reason when its number is on the DNC list now, as the import
    /// marks one (`dialer.insert_request_contact`). `contact.salesforceID` empty: none (a call
    /// to a number only).
    public func insertContact(
        _ contact: ImportedContact,
        requestID: UUID,
        campaignID: Int64,
        on connection: PostgresConnection
    ) async throws -> (id: Int64, skipReason: String?, skipDetail: String?) {
        let rows = try await connection.query(
            """
            SELECT id, skip_reason, skip_detail FROM dialer.insert_request_contact(
                \(campaignID), \(requestID), \(contact.salesforceID), \(contact.accountID), \(contact.firstName), \(contact.lastName),
                \(contact.phoneE164), \(contact.phoneField), \(contact.mailingState), \(contact.timeZone), \(contact.timeZoneSource),
                \(contact.timeZones)::text[], \(contact.callingStates)::text[], \(contact.skipReason), \(contact.skipDetail))
            """,
            logger: logger
        )
        for try await row in rows.decode((Int64?, String?, String?).self) {
            guard let id = row.0 else { break }
            return (id, row.1, row.2)
        }
        throw CallRequestStoreError.notInserted
    }

    /// The first `place_call` job of a request's contact, due `delay` from now by the
    /// database's clock (as PlaceCall's snoozes are); its key is the import's, so a second
    /// enqueue finds the open job.
    public func enqueueFirstCall(contactID: Int64, campaignID: Int64, after delay: Duration, on connection: PostgresConnection) async throws {
        let args = PlaceCallArgs(contactID: contactID)
        try await enqueue(args, args.uniqueKey, groupID: campaignID, after: delay, on: connection)
    }

    private func enqueue<Args: JobArgs>(
        _ args: Args,
        _ key: String?,
        groupID: Int64,
        after delay: Duration,
        on connection: PostgresConnection
    ) async throws {
        let json = String(decoding: try JSONEncoder().encode(args), as: UTF8.self)
        try await connection.query(
            """
            SELECT dialer.enqueue_job(\(Args.kind), \(json)::jsonb, \(key), \(groupID), \(Args.options.priority)::int,
                                      \(Args.options.maxAttempts)::int, now() + make_interval(secs => \(delay.seconds)))
            """,
            logger: logger
        )
    }

    /// The Contact was read: the request is prepared, and takes the Contact's Description as
    /// its message unless the client gave one (cut to the longest message).
    public func markPrepared(_ requestID: UUID, description: String?, on connection: PostgresConnection) async throws {
        // Cut as Postgres counts text (code points); NUL, which text cannot hold, dropped.
        let message = description.map { text in
            String(String.UnicodeScalarView(text.unicodeScalars.lazy.filter { $0 != "\u{0}" }.prefix(Self.maxMessageLength)))
        }
        try await connection.query(
            """
            UPDATE dialer.call_requests SET state = 'prepared', message = coalesce(message, NULLIF(\(message), '')), updated_at = now()
            WHERE id = \(requestID)
            """,
            logger: logger
        )
    }

    /// The call can never be made (Salesforce has no such Contact): kept with the reason,
    /// which the caller has masked where it quotes anyone else (a Salesforce id is not a phone
    /// number, and masking would hide which Contact it was).
    public func markFailed(_ requestID: UUID, reason: String) async throws {
        try await database.client.query(
            """
            UPDATE dialer.call_requests SET state = 'failed', error = \(reason), updated_at = now()
            WHERE id = \(requestID) AND state = 'pending'
            """,
            logger: logger
        )
    }

    /// A request by id.
    public func request(id: UUID) async throws -> StoredCallRequest? {
        let rows = try await database.client.query(
            "SELECT id, campaign_id, salesforce_id, to_e164, message, state FROM dialer.call_requests WHERE id = \(id)",
            logger: logger
        )
        for try await (id, campaign, salesforceID, to, message, state) in rows.decode((UUID, Int64, String?, String?, String?, String).self) {
            return StoredCallRequest(
                id: id,
                campaignID: campaign,
                salesforceID: salesforceID,
                to: to,
                message: message,
                state: StoredCallRequest.State(rawValue: state) ?? .failed
            )
        }
        return nil
    }
}

/// A write that returned no row (each returns its own).
public enum CallRequestStoreError: Error, Equatable {
    case notInserted
}
