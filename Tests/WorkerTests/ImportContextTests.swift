import Foundation
import Salesforce
import Sandbox
import Store
import TestSupport
import Testing
import Worker

/// The fields a script may use are stored with each contact at import: the Description and
/// the account's name every query selects, and whatever else the campaign's query selected.
@Suite struct ImportContextTests {
    @Test func theQuerysOtherFieldsAreStoredWithTheContact() async throws {
        try await TestDatabase.withFresh { db, _ in
            try await withSandboxSalesforce(pageSize: 5) { sandbox, configuration in
                sandbox.insert([
                    SandboxRecord(
                        type: "Contact",
                        fields: [
                            "FirstName": .string("Ada"), "LastName": .string("Lovelace"), "MobilePhone": .string("(415) 555-0301"),
                            "MailingState": .string("CA"), "Description": .string("Renewal due on the 14th; prefers mornings."),
                            "Account.Name": .string("Analytical Engines"), "Renewal_Tier__c": .string("Gold"), "Seats__c": .number(12),
                        ]
                    ),
                    SandboxRecord(
                        type: "Contact",
                        fields: [
                            "FirstName": .string("Bo"), "LastName": .string("Plain"), "MobilePhone": .string("(415) 555-0302"),
                            "MailingState": .string("CA"),
                        ]
                    ),
                ])
                var query = SOQLQuery(fields: SalesforceContact.fields + ["Renewal_Tier__c", "Seats__c"], object: "Contact")
                query.orderBy = [SOQLOrdering(field: "FirstName")]
                let id = try await ImportCampaignTests.createCampaign(db, soql: query.soql)
                try await withRunners([runner(db, [ImportCampaignTests.handler(db, configuration)])]) {
                    let status = try await ImportCampaignTests.waitForImport(db, id)
                    #expect(status == "active")
                }
                let rows = try await db.rows("SELECT first_name, context::text FROM dialer.contacts ORDER BY first_name", as: (String, String).self)
                let ada = try JSONDecoder().decode([String: String].self, from: Data(rows[0].1.utf8))
                #expect(
                    ada == [
                        "Description": "Renewal due on the 14th; prefers mornings.", "Account.Name": "Analytical Engines", "Renewal_Tier__c": "Gold",
                        "Seats__c": "12",
                    ]
                )
                #expect(rows[1].1 == "{}", "no value, no key")
            }
        }
    }

    /// Salesforce nests a relationship's fields and sends nulls: both decode to the path.
    @Test func salesforceRecordsDecodeTheirFieldsAsText() throws {
        let json = """
            {"attributes": {"type": "Contact"}, "Id": "003A", "FirstName": "Ada", "Description": "Call about the renewal",
             "Account": {"attributes": {"type": "Account"}, "Name": "Acme", "Owner": {"Name": "Grace"}}, "Active__c": true,
             "Score__c": 4.5, "Empty__c": null}
            """
        let contact = try JSONDecoder().decode(SalesforceContact.self, from: Data(json.utf8))
        #expect(contact.FirstName == "Ada")
        #expect(
            contact.context == [
                "Description": "Call about the renewal", "Account.Name": "Acme", "Account.Owner.Name": "Grace", "Active__c": "true",
                "Score__c": "4.5",
            ]
        )
        let noAccount = try JSONDecoder().decode(SalesforceContact.self, from: Data(#"{"Id": "003B", "Account": null}"#.utf8))
        #expect(noAccount.context.isEmpty)
    }
}
