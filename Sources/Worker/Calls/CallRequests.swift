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
    let dialingCampaigns: DialingCampaignCache
    let notifications: CallNotifications

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
        dialingCampaigns = DialingCampaignCache()
        notifications = CallNotifications(database: database)
    }

    /// Checks `body` (throwing `CallRequestError` with nothing written), decides when the call
    /// may start, and writes it in one statement (`CallRequestStore.accept`), under `claim` when
    /// the request carried an Idempotency-Key. `answer` makes the HTTP answer of an accepted
    /// call; the outcome holds the answer stored (the first one, for a replay).
    public func create(
        _ body: CallRequestBody,
        claim: IdempotencyClaim?,
        answer: (AcceptedCall) throws -> IdempotencyStore.Answer
    ) async throws -> IdempotencyStore.Outcome {
        var request = try Self.check(body)
        if body.campaign == nil || body.campaign == CallRequestStore.builtInCampaign {
            request.from = request.from ?? defaultFrom
            guard request.from != nil else {
                throw CallRequestError.invalid(
                    field: "from",
                    reason: "no caller ID: give from, or a campaign, or set DIALER_DEFAULT_FROM for calls without one"
                )
            }
        }
        var contact: ImportedContact?
        if request.salesforceID == nil, let to = request.to {
            var classified = ContactClassifier().classify([SalesforceContact(Id: "", MobilePhone: to)])[0]
            classified.phoneField = nil  // the client's number, no Salesforce field's
            contact = classified
        }
        let states = contact?.callingStates ?? []
        let key = DialingCampaignCache.Key(campaign: body.campaign, callingStates: states, mailingState: contact?.mailingState)
        let read = { [requests, from = request.from] in
            try await requests.dialingCampaign(named: body.campaign, makingWith: from, callingStates: states, mailingState: key.mailingState)
        }
        guard let found = try await dialingCampaigns.value(for: key, read: read) else {
            throw CallRequestError.invalid(field: "campaign", reason: "no campaign named \(body.campaign ?? "")")
        }
        // A closed campaign is refused by the write (`CampaignTakesNoCalls`), after the key is
        // looked up: a retry of a call accepted before the campaign closed gets its first answer.
        let campaign = found.campaign
        let id = UUID()
        var accepted = AcceptedCall(id: id, state: "queued", scheduledFor: nil, campaign: campaign.name)
        var runAfter = Duration.zero
        let job: (kind: String, args: String?, key: String?, priority: Int, maxAttempts: Int)
        if let contact {
            job = (PlaceCallArgs.kind, nil, nil, PlaceCallArgs.options.priority, PlaceCallArgs.options.maxAttempts)
            if let skip = contact.skipReason {
                accepted.state = "skipped"
                accepted.reason = "\(skip): \(contact.skipDetail ?? "not callable")"
            } else {
                let clock = now()
                let zoneNames = contact.timeZones.isEmpty ? [contact.timeZone].compactMap { $0 } : contact.timeZones
                let decision = CallingDecision(
                    campaign: campaign.name,
                    windowStart: found.windowStart,
                    windowEnd: found.windowEnd,
                    rules: found.callingRules,
                    zoneNames: zoneNames,
                    zones: zoneNames.compactMap(TimeZone.init(identifier:)),
                    now: clock,
                    ring: ring
                )
                (accepted.state, accepted.scheduledFor, runAfter) = Self.due(decision, now: clock)
            }
        } else {
            let args = PrepareCallArgs(requestID: id)
            let json = String(decoding: try JSONEncoder().encode(args), as: UTF8.self)
            job = (PrepareCallArgs.kind, json, args.uniqueKey, PrepareCallArgs.options.priority, PrepareCallArgs.options.maxAttempts)
        }
        // The DNC list is read as the row is written: the answer for a number found on it.
        var onDNCList = accepted
        (onDNCList.state, onDNCList.scheduledFor, onDNCList.reason) = ("skipped", nil, "internal_dnc: on the internal do-not-call list")
        let acceptance = CallAcceptance(
            idempotency: claim,
            campaignID: campaign.id,
            requestID: id,
            request: request,
            contact: contact,
            job: job,
            runAfter: runAfter,
            answer: try answer(accepted),
            answerIfOnDNCList: try answer(onDNCList).body
        )
        do {
            let outcome = try await requests.accept(acceptance)
            if case .performed = outcome {
                notifications.accepted(campaignID: campaign.id, dueJob: runAfter == .zero ? job.kind : nil)
            }
            return outcome
        } catch let closed as CampaignTakesNoCalls {
            throw CallRequestError.campaignClosed(name: campaign.name, status: CampaignStatus(rawValue: closed.status) ?? .failed)
        }
    }

    /// `create` without an Idempotency-Key: the accepted call.
    public func create(_ body: CallRequestBody) async throws -> AcceptedCall {
        let outcome = try await create(body, claim: nil) { try IdempotencyStore.Answer(status: 202, body: JSONEncoder().encode($0)) }
        guard case .performed(let answer) = outcome else { throw CallRequestStoreError.notInserted }
        return try JSONDecoder().decode(AcceptedCall.self, from: answer.body)
    }

    /// What a decision means for a call being accepted: `queued` when it may start now (or
    /// PlaceCall will decide), `scheduled` for the instant it may, and the wait before its job
    /// is due, PlaceCall's snooze (on the database's clock).
    static func due(_ decision: CallingDecision, now: Date) -> (state: String, scheduledFor: Date?, after: Duration) {
        guard case .at(let next) = decision else { return ("queued", nil, .zero) }
        return ("scheduled", next, .milliseconds(Int64(max(0, next.timeIntervalSince(now)) * 1000)))
    }

    /// Writes a Contact's request's contact row, read from Salesforce by `prepare_call`, and,
    /// when it is callable, its first `place_call` job, due when PlaceCall's gate will let it
    /// start: `scheduled` with that instant, `queued` when it may start now, `skipped` when it
    /// never will.
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
        let clock = now()
        let (state, scheduledFor, delay) = Self.due(CallingDecision(context, zones: zones, now: clock, ring: ring), now: clock)
        try await requests.enqueueFirstCall(contactID: row.id, campaignID: campaignID, after: delay, on: connection)
        return (state, scheduledFor, nil)
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
