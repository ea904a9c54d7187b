import Foundation
import PostgresNIO
import Store
import TestSupport
import Testing

/// `dialer webhook`, run as an operator runs it: the secret printed once and stored, bad input
/// refused naming what is wrong with nothing written, the failed deliveries listed and retried.
@Suite struct WebhookCommandTests {
    static func dialer(_ url: DatabaseURL, _ arguments: [String]) async throws -> (status: Int32?, output: String) {
        try await CampaignCommandTests.dialer(url, ["webhook"] + arguments)
    }

    @Test func addPrintsTheSecretOnceAndListNeverShowsIt() async throws {
        try await TestDatabase.withFresh { db, url in
            let add = try await Self.dialer(
                url,
                ["add", "--name", "crm", "--url", "https://crm.example.com/hooks", "--events", "call.ended,campaign.completed"]
            )
            #expect(add.status == 0, "\(add.output)")
            let secret = try await db.scalar("SELECT secret FROM dialer.webhook_endpoints WHERE name = 'crm'", as: String.self)
            #expect(add.output.contains("secret: \(secret)") && add.output.contains("not shown again"), "\(add.output)")
            let events = try await db.scalar("SELECT array_to_string(events, ',') FROM dialer.webhook_endpoints", as: String.self)
            #expect(events == "call.ended,campaign.completed")

            let list = try await Self.dialer(url, ["list"])
            #expect(list.status == 0 && list.output.contains("crm") && list.output.contains("https://crm.example.com/hooks"), "\(list.output)")
            #expect(!list.output.contains(secret) && !list.output.contains("whsec_"))

            let unknown = try await Self.dialer(
                url,
                ["add", "--name", "erp", "--url", "https://erp.example.com", "--events", "call.ended,call.started"]
            )
            #expect(unknown.status != 0 && unknown.output.contains("unknown event \"call.started\""), "\(unknown.output)")
            let scheme = try await Self.dialer(url, ["add", "--name", "erp", "--url", "ftp://erp.example.com", "--events", "call.ended"])
            #expect(scheme.status != 0 && scheme.output.contains("must be http or https"), "\(scheme.output)")
            let taken = try await Self.dialer(url, ["add", "--name", "crm", "--url", "https://b.example.com", "--events", "call.ended"])
            #expect(taken.status != 0 && taken.output.contains("named crm exists already"), "\(taken.output)")
            #expect(try await db.scalar("SELECT count(*)::int FROM dialer.webhook_endpoints", as: Int.self) == 1)

            let help = try await Self.dialer(url, ["add", "--help"])
            #expect(help.output.contains("Example:") && help.output.contains("dialer webhook add --name crm"), "\(help.output)")

            #expect(try await Self.dialer(url, ["remove", "crm"]).output.contains("removed webhook endpoint crm"))
            let again = try await Self.dialer(url, ["remove", "crm"])
            #expect(again.status != 0 && again.output.contains("no webhook endpoint named crm"), "\(again.output)")
        }
    }

    @Test func deliveriesListsFailuresAndRetryRequeuesThem() async throws {
        try await TestDatabase.withFresh { db, url in
            _ = try await WebhookEndpointStore(database: db).add(name: "crm", url: "https://crm.example.com/hooks", events: ["call.ended"])
            let id = try #require(
                try await WebhookEventStore(database: db).publish(type: .callEnded, subject: "call.ended:CA1", payloadJSON: "{}")
            )
            try await db.execute(
                """
                UPDATE dialer.jobs SET state = 'discarded', attempt = 8, finalized_at = now(), attempted_at = now() - interval '3 hours',
                    errors = jsonb_build_array(jsonb_build_object('message', 'HTTP 503: down for maintenance'))
                """
            )
            let failed = try await Self.dialer(url, ["deliveries", "--failed"])
            #expect(failed.status == 0, "\(failed.output)")
            #expect(failed.output.contains(id) && failed.output.contains("failed") && failed.output.contains("HTTP 503"), "\(failed.output)")
            #expect(failed.output.contains("8/8"), "\(failed.output)")

            let recent = try await Self.dialer(url, ["retry", "--since", "2h"])
            #expect(recent.status == 0 && recent.output.contains("no failed deliveries matched"), "\(recent.output)")
            let bad = try await Self.dialer(url, ["retry", "--since", "yesterday"])
            #expect(bad.status != 0 && bad.output.contains("--since must be"), "\(bad.output)")
            let unknown = try await Self.dialer(url, ["retry", "--endpoint", "erp"])
            #expect(unknown.status != 0 && unknown.output.contains("no webhook endpoint named erp"), "\(unknown.output)")
            let retried = try await Self.dialer(url, ["retry", "--endpoint", "crm", "--since", "4h"])
            #expect(retried.status == 0 && retried.output.contains("re-queued 1 delivery"), "\(retried.output)")
            #expect(try await db.scalar("SELECT state FROM dialer.jobs", as: String.self) == "available")
        }
    }
}
