import Salesforce
import Store

/// Turns one page of Salesforce Contacts into import rows: the number in E.164 (MobilePhone
/// preferred over Phone, or the other way round), every time zone the callee may be in, or the reason the
/// contact will not be called. Internal-DNC and cross-page duplicates are the database's to find.
public struct ContactClassifier: Sendable {
    public var preferMobile: Bool

    public init(preferMobile: Bool = true) {
        self.preferMobile = preferMobile
    }

    public func classify(_ page: [SalesforceContact]) -> [ImportedContact] {
        var firstWithNumber: [String: String] = [:]
        return page.map { record in
            var contact = ImportedContact(salesforceID: record.Id)
            contact.accountID = record.AccountId
            contact.firstName = record.FirstName
            contact.lastName = record.LastName
            contact.mailingState = record.MailingState
            contact.context = record.context

            let (number, invalidReason) = PhoneNumber.preferred(mobile: record.MobilePhone, phone: record.Phone, preferMobile: preferMobile)
            if let number {
                contact.phoneE164 = number.e164
                let mobile = record.MobilePhone.flatMap { PhoneNumber.normalize($0).number }
                contact.phoneField = number == mobile ? "MobilePhone" : "Phone"
            }
            let zone = CallingTimeZone.candidates(mailingState: record.MailingState, postalCode: record.MailingPostalCode, phone: number)
            contact.timeZone = zone?.primary
            contact.timeZoneSource = zone?.source.rawValue
            contact.timeZones = zone?.zones ?? []
            contact.callingStates = zone?.states ?? []

            if record.DoNotCall == true {
                contact.skipReason = "do_not_call"
                contact.skipDetail = "DoNotCall is set in Salesforce"
            } else if let invalidReason {
                contact.skipReason = "invalid_phone"
                contact.skipDetail = invalidReason
            } else if let number, let holder = firstWithNumber[number.e164] {
                contact.skipReason = "duplicate_phone"
                contact.skipDetail = "same number as contact \(holder)"
            } else if zone == nil {
                contact.skipReason = "no_time_zone"
                contact.skipDetail = "neither MailingState nor the area code gives a time zone"
            }
            if contact.skipReason == nil, let number { firstWithNumber[number.e164] = record.Id }
            return contact
        }
    }
}
