import Foundation
import Queue
import Salesforce
import Sandbox
import Store
import TestSupport
import Testing
import Worker

/// An API call about a Salesforce Contact: the POST writes only rows and a `prepare_call` job;
/// the job reads the Contact as the import would (phone preference, zones, DoNotCall) and hands
/// the call to PlaceCall; a Salesforce outage leaves the call queued until it is over.
@Suite struct PrepareCallTests {
    @Test func theContactIsReadWithTheImportsPhonePreferenceAndItsDescriptionBecomesTheMessage() async throws {
        try await APICalls.with { api in
            let contact = api.contact([
                "Phone": .string("(212) 555-0142"), "MobilePhone": .string("646-555-0199"), "MailingState": .string("NY"),
                "Description": .string("Remind Nia about the renewal"), "AccountId": .string("001SB00000000AAAAA"),
            ])
            let accepted = try await api.post(.init(contactId: contact))
            #expect(accepted.state == "queued" && accepted.scheduledFor == nil && accepted.campaign == "api")
            // The POST asked nothing of Salesforce: the call waits for its Contact, readable by its id.
            #expect(api.salesforce.requests.isEmpty)
            let waiting = try #require(try await api.status(accepted.id))
            #expect(waiting.state == "queued" && waiting.contactID == contact && waiting.to == "" && waiting.message == nil)

            #expect(try await api.prepare { try await api.requestState(accepted.id) == "prepared" })
            let row = try await api.db.rows(
                """
                SELECT phone_e164, coalesce(phone_field, '-'), salesforce_id, account_id, time_zones FROM dialer.contacts
                WHERE request_id = \(accepted.id)
                """,
                as: (String, String, String, String, [String]).self
            )
            #expect(row.count == 1)
            #expect(row.first?.0 == "+16465550199" && row.first?.1 == "MobilePhone" && row.first?.2 == contact)
            #expect(row.first?.3 == "001SB00000000AAAAA" && row.first?.4 == ["America/New_York"])
            let prepared = try #require(try await api.status(accepted.id))
            #expect(prepared.state == "queued" && prepared.to == "+16465550199" && prepared.message == "Remind Nia about the renewal")

            #expect(try await api.dialing.runOnce(api.dialing.handler()) == .completed)
            #expect(api.dialing.sandbox.calls.map(\.to) == ["+16465550199"])
        }
    }

    @Test func theClientsMessageAndNumberWinOverTheContacts() async throws {
        try await APICalls.with { api in
            let contact = api.contact([
                "MobilePhone": .string("646-555-0199"), "MailingState": .string("CA"), "Description": .string("Not this"),
            ])
            let accepted = try await api.post(.init(contactId: contact, to: Dialing.number(3), message: "This"))
            #expect(try await api.prepare { try await api.requestState(accepted.id) == "prepared" })
            let status = try #require(try await api.status(accepted.id))
            #expect(status.to == Dialing.number(3) && status.message == "This" && status.contactID == contact)
            // The zones: the Contact's mailing state's and the dialed number's area code's.
            let zones = try await api.db.scalar("SELECT time_zones FROM dialer.contacts WHERE request_id = \(accepted.id)", as: [String].self)
            #expect(zones == ["America/Los_Angeles", "America/New_York"])
            let field = try await api.db.scalar("SELECT phone_field IS NULL FROM dialer.contacts WHERE request_id = \(accepted.id)", as: Bool.self)
            #expect(field)
        }
    }

    @Test func doNotCallInSalesforceSkipsTheCallAndNothingIsDialed() async throws {
        try await APICalls.with { api in
            let contact = api.contact(["MobilePhone": .string("646-555-0199"), "MailingState": .string("NY"), "DoNotCall": .boolean(true)])
            let accepted = try await api.post(.init(contactId: contact))
            #expect(try await api.prepare { try await api.requestState(accepted.id) == "prepared" })
            let status = try #require(try await api.status(accepted.id))
            #expect(status.state == "skipped" && status.skipReason == "do_not_call" && status.outcome == "Skipped")
            #expect(try await api.db.scalar("SELECT count(*)::int FROM dialer.jobs WHERE kind = 'place_call'", as: Int.self) == 0)
            #expect(api.dialing.creates == 0)
        }
    }

    @Test func aContactSalesforceDoesNotHaveFailsTheCallWithTheReason() async throws {
        try await APICalls.with { api in
            let accepted = try await api.post(.init(contactId: "003SB00000000ZZAAA"))
            #expect(try await api.prepare { try await api.requestState(accepted.id) == "failed" })
            let status = try #require(try await api.status(accepted.id))
            #expect(status.state == "failed" && status.outcome == "Failed")
            #expect(status.errorMessage == "Salesforce has no Contact 003SB00000000ZZAAA", "\(status.errorMessage ?? "-")")
            #expect(try await api.db.scalar("SELECT count(*)::int FROM dialer.jobs WHERE dialer.job_is_open(state)", as: Int.self) == 0)
        }
    }

    @Test func salesforceDownAtPostTimeLeavesAQueuedCallDialedWhenItComesBack() async throws {
        try await APICalls.with { api in
            let contact = api.contact(["MobilePhone": .string("646-555-0199"), "MailingState": .string("NY")])
            api.salesforce.faults.failingFraction = 1
            let accepted = try await api.post(.init(contactId: contact))
            #expect(accepted.state == "queued")
            // The job fails and is retried; meanwhile the call is queued and says why.
            let retried = try await api.prepare {
                try await api.db.scalar(
                    "SELECT count(*)::int FROM dialer.jobs WHERE kind = 'prepare_call' AND jsonb_array_length(errors) >= 1",
                    as: Int.self
                ) == 1
            }
            #expect(retried)
            let waiting = try #require(try await api.status(accepted.id))
            #expect(waiting.state == "queued" && waiting.errorMessage != nil)
            #expect(try await api.requestState(accepted.id) == "pending")

            api.salesforce.faults.failingFraction = 0
            try await api.dialing.makeJobsDue()
            #expect(try await api.prepare { try await api.requestState(accepted.id) == "prepared" })
            #expect(try await api.dialing.runOnce(api.dialing.handler()) == .completed)
            #expect(api.dialing.sandbox.calls.map(\.to) == ["+16465550199"])
            #expect(try await api.status(accepted.id)?.attempt == 1)
        }
    }
}
