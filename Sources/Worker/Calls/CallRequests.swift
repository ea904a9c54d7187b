import Foundation
import PostgresNIO
import Salesforce
import Store

/// `POST /v1/calls`: one call, checked, then written as rows and jobs only, so that neither a
/// Salesforce nor a Twilio outage can fail it. The call joins a campaign (the one named, else
/// the built-in `api` one) and goes through that campaign's gate like any of its calls: a
/// contact row and its `place_call` job, so the DNC list, the calling hours of every candidate
/// zone, the rates and the attempt committed before the POST are PlaceCall's.
///
/// A call to a number alone gets its contact row at once (its zones from the area code, as the
/// import finds them), and the answer says when it will be dialed. A call about a Contact gets
/// a `prepare_call` job, which reads the Contact (PrepareCallHandler) and writes the row then.
public struct CallRequests: Sendable {
    let requests: CallRequestStore
    let campaigns: CampaignStore
    /// The caller ID of calls that name no campaign and no `from` (`DIALER_DEFAULT_FROM`).
    let defaultFrom: String?
    /// The calling-window clock (the worker's, so that `scheduledFor` is PlaceCall's instant).
    let now: @Sendable () -> Date
    /// Room left at the end of a window for the slot wait and the ringing, as PlaceCall leaves it.
    let ring: Duration

    public init(
        database: Database,
        defaultFrom: String?,
        now: @escaping @Sendable () -> Date = { Date() },
        ring: Duration = DialingConfiguration(publicURL: "", accountSID: "").ringAndSlotWait
    ) {
        requests = CallRequestStore(database: database)
        campaigns = CampaignStore(database: database)
        self.defaultFrom = defaultFrom
        self.now = now
        self.ring = ring
    }

    /// Checks `body` (throwing `CallRequestError` with nothing written) and writes the call on
    /// `connection`, in the caller's transaction (the idempotency key's, for one).
    public func create(_ body: CallRequestBody, on connection: PostgresConnection) async throws -> AcceptedCall {
        var request = try Self.check(body)
        let builtIn = body.campaign == nil || body.campaign == CallRequestStore.builtInCampaign
        if builtIn {
            request.from = request.from ?? defaultFrom
            guard request.from != nil else {
                throw CallRequestError.invalid(
                    field: "from",
                    reason: "no caller ID: give from, or a campaign, or set DIALER_DEFAULT_FROM for calls without one"
                )
            }
        }
        guard let campaign = try await requests.campaign(named: body.campaign, makingWith: request.from, on: connection) else {
            throw CallRequestError.invalid(field: "campaign", reason: "no campaign named \(body.campaign ?? "")")
        }
        guard campaign.acceptsCalls else { throw CallRequestError.campaignClosed(name: campaign.name, status: campaign.status) }
        let id = try await requests.insert(request, campaignID: campaign.id, on: connection)
        guard request.salesforceID == nil, let to = request.to else {
            return AcceptedCall(id: id, state: "queued", scheduledFor: nil, reason: nil, campaign: campaign.name)
        }
        var contact = ContactClassifier().classify([SalesforceContact(Id: "", MobilePhone: to)])[0]
        contact.phoneField = nil  // the client's number, no Salesforce field's
        let admitted = try await admit(contact, requestID: id, campaignID: campaign.id, on: connection)
        return AcceptedCall(id: id, state: admitted.state, scheduledFor: admitted.scheduledFor, reason: admitted.reason, campaign: campaign.name)
    }

    /// `create` in a transaction of its own, for a request without an Idempotency-Key.
    public func create(_ body: CallRequestBody, database: Database) async throws -> AcceptedCall {
        do {
            return try await database.client.withTransaction(logger: database.logger) { connection in
                try await create(body, on: connection)
            }
        } catch let error as PostgresTransactionError {
            throw error.closureError ?? error
        }
    }

    /// Writes a request's contact row and, when it is callable, its first `place_call` job, due
    /// when PlaceCall's gate will let it start (`CallingDecision`, on this clock): `scheduled`
    /// with that instant, `queued` when it may start now, `skipped` when it never will.
    func admit(
        _ contact: ImportedContact,
        requestID: UUID,
        campaignID: Int64,
        on connection: PostgresConnection
    ) async throws -> (state: String, scheduledFor: Date?, reason: String?) {
        let row = try await requests.insertContact(contact, requestID: requestID, campaignID: campaignID, on: connection)
        if let skip = row.skipReason { return ("skipped", nil, "\(skip): \(row.skipDetail ?? "not callable")") }
        guard let context = try await campaigns.dialContext(contactID: row.id, on: connection) else {
            throw CallRequestStoreError.notInserted
        }
        let zones = context.timeZones.compactMap(TimeZone.init(identifier:))
        let now = now()
        var scheduledFor: Date?
        if case .at(let next) = CallingDecision(context, zones: zones, now: now, ring: ring) { scheduledFor = next }
        // Due after the same wait PlaceCall would snooze for, on the database's clock.
        let delay = Duration.milliseconds(Int64(max(0, (scheduledFor ?? now).timeIntervalSince(now)) * 1000))
        try await requests.enqueueFirstCall(contactID: row.id, campaignID: campaignID, after: delay, on: connection)
        return (scheduledFor == nil ? "queued" : "scheduled", scheduledFor, nil)
    }

    /// The body's fields, each checked; `from` not yet resolved.
    static func check(_ body: CallRequestBody) throws -> NewCallRequest {
        var request = NewCallRequest()
        if let id = body.contactId {
            guard id.utf8.count == 15 || id.utf8.count == 18, id.utf8.allSatisfy(Self.isAlphanumeric) else {
                throw CallRequestError.invalid(field: "contactId", reason: "not a Salesforce id (15 or 18 letters and digits)")
            }
            request.salesforceID = id
        }
        request.to = try body.to.map { try e164($0, field: "to") }
        request.from = try body.from.map { try e164($0, field: "from") }
        guard request.salesforceID != nil || request.to != nil else {
            throw CallRequestError.invalid(field: "contactId", reason: "give contactId, to, or both")
        }
        if let message = body.message, !message.isEmpty {
            // Counted as Postgres counts text (code points), so the column's CHECK never fires.
            guard message.unicodeScalars.count <= CallRequestStore.maxMessageLength else {
                throw CallRequestError.invalid(field: "message", reason: "longer than \(CallRequestStore.maxMessageLength) characters")
            }
            // Postgres text cannot hold NUL: refused here, not as a failed write.
            guard !message.unicodeScalars.contains("\u{0}") else {
                throw CallRequestError.invalid(field: "message", reason: "contains a NUL character")
            }
            request.message = message
        }
        if let campaign = body.campaign {
            guard !campaign.isEmpty, campaign.utf8.count <= 200, !campaign.unicodeScalars.contains("\u{0}") else {
                throw CallRequestError.invalid(field: "campaign", reason: "not a campaign name")
            }
        }
        return request
    }

    static func e164(_ text: String, field: String) throws -> String {
        guard let number = PhoneNumber(e164: text) else {
            let reason = PhoneNumber.normalize(text).invalidReason.map { " (\($0))" } ?? ""
            throw CallRequestError.invalid(field: field, reason: "not a dialable number in E.164 form such as +14155550134\(reason)")
        }
        return number.e164
    }

    static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    }
}
