import Salesforce
import Sandbox
import Testing

@Suite struct SeedingTests {
    static func sandbox() -> SandboxSalesforce {
        SandboxSalesforce(configuration: .init(clientID: "c", username: "u", publicKeyPEM: ""))
    }

    @Test func theSameSeedGivesTheSameContacts() {
        let first = Self.sandbox()
        let second = Self.sandbox()
        #expect(first.seedContacts(500, seed: 7) == second.seedContacts(500, seed: 7))
        #expect(first.records(ofType: "Contact") == second.records(ofType: "Contact"))
        let third = Self.sandbox()
        third.seedContacts(500, seed: 8)
        #expect(third.records(ofType: "Contact") != first.records(ofType: "Contact"))
    }

    @Test func contactsSpreadOverStatesWithSomeDoNotCallInvalidAndDuplicateNumbers() {
        let sandbox = Self.sandbox()
        let summary = sandbox.seedContacts(10_000)
        let contacts = sandbox.records(ofType: "Contact")
        #expect(contacts.count == 10_000 && summary.contacts == 10_000)
        #expect((300...700).contains(summary.doNotCall))
        #expect((200...400).contains(summary.invalidPhone))
        #expect((100...300).contains(summary.duplicatePhone))
        #expect((300...700).contains(summary.noState))
        let states = Set(contacts.compactMap { if case .string(let state) = $0["MailingState"] { state } else { nil } })
        #expect(states.isSuperset(of: ["CA", "NY", "TX", "FL", "IL", "CO", "AZ", "WA", "HI", "AK"]))
        #expect(contacts.filter { $0["DoNotCall"] == .boolean(true) }.count == summary.doNotCall)
        let phones = contacts.compactMap { record -> String? in
            for field in ["MobilePhone", "Phone"] { if case .string(let phone) = record[field] { return phone } }
            return nil
        }
        #expect(phones.count == 10_000)
        #expect(phones.contains { $0.hasPrefix("(") } && phones.contains { $0.hasPrefix("+1 ") } && phones.contains { $0.contains(".") })
        #expect(contacts.allSatisfy { $0.id?.count == 18 && $0.id?.hasPrefix("003") == true })
    }
}
