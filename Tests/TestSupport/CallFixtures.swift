import Foundation
import Store

extension Database {
    /// An active campaign, one contact (+14155550123), and its first attempt, which Twilio
    /// accepted as `callSID` unless `placed` is false: what the call and callback tests start from.
    public func firstAttempt(placed: Bool = true, callSID: String = "CA1") async throws -> (contact: Int64, attempt: UUID) {
        let campaign = try await scalar(
            """
            INSERT INTO dialer.campaigns (name, soql, status, from_number) VALUES ('calls', 'SELECT Id FROM Contact', 'active', '+14155550100')
            RETURNING id
            """,
            as: Int64.self
        )
        let contact = try await scalar(
            "INSERT INTO dialer.contacts (campaign_id, salesforce_id, phone_e164) VALUES (\(campaign), '003SB0000000001AAA', '+14155550123') RETURNING id",
            as: Int64.self
        )
        let store = CallAttemptStore(database: self)
        guard
            case .started(let attempt) = try await store.begin(
                contactID: contact,
                campaignID: campaign,
                jobID: 1,
                to: "+14155550123",
                from: "+14155550100",
                maxInFlight: 10,
                slotAt: nil
            )
        else { throw TestSetupError("no attempt") }
        if placed { try await store.markPlaced(attempt.id, callSID: callSID) }
        return (contact, attempt.id)
    }
}
