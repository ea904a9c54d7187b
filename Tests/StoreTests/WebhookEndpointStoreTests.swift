import Foundation
import PostgresNIO
import Store
import TestSupport
import Testing

/// Events out, from the database's side: endpoints as the CLI and the API add them (refusals
/// name the field and write nothing), events published once with one delivery per subscribed
/// endpoint, the operator's views and retry, and a secret the monitor role cannot read.
@Suite struct WebhookEndpointStoreTests {
    static func count(_ db: Database, _ table: String) async throws -> Int {
        try await db.scalar(PostgresQuery(unsafeSQL: "SELECT count(*)::int FROM dialer.\(table)"), as: Int.self)
    }

    @Test func anEndpointIsAddedWithASecretShownOnceAndBadInputIsRefusedNamingTheField() async throws {
        try await TestDatabase.withFresh { db, _ in
            let store = WebhookEndpointStore(database: db)
            let (endpoint, secret) = try await store.add(
                name: "crm",
                url: "https://crm.example.com/hooks",
                events: ["call.ended", " campaign.completed", "call.ended"]
            )
            #expect(endpoint.name == "crm" && endpoint.url == "https://crm.example.com/hooks" && endpoint.disabledAt == nil)
            #expect(endpoint.events == [.callEnded, .campaignCompleted])
            // whsec_ and 24 random bytes, stored as given (it signs every delivery).
            #expect(secret.hasPrefix("whsec_") && Data(base64Encoded: String(secret.dropFirst(6)))?.count == 24)
            #expect(try await db.scalar("SELECT secret FROM dialer.webhook_endpoints WHERE name = 'crm'", as: String.self) == secret)
            let (_, other) = try await store.add(name: "erp.prod_2", url: "http://10.0.0.7:8080/in?token=x", events: ["campaign.completed"])
            #expect(other != secret)
            #expect(try await store.list().map(\.name) == ["crm", "erp.prod_2"])
            #expect(try await store.endpoint(named: "crm") == endpoint)

            let refusals: [(String, String, [String], WebhookEndpointError)] = [
                ("crm", "https://b.example.com", ["call.ended"], .nameTaken("crm")),
                ("bad name", "https://b.example.com", ["call.ended"], .invalidName("bad name")),
                ("b", "https://b.example.com", ["call.ended", "call.started"], .unknownEvent("call.started")),
                ("b", "https://b.example.com", [], .noEvents),
            ]
            for (name, url, events, expected) in refusals {
                await #expect(throws: expected) { try await store.add(name: name, url: url, events: events) }
            }
            for url in ["ftp://b.example.com/x", "/hooks", "b.example.com/hooks", "https:///hooks", "https://b.example.com/a b", ""] {
                do {
                    _ = try await store.add(name: "b", url: url, events: ["call.ended"])
                    Issue.record("\(url) accepted")
                } catch let error as WebhookEndpointError {
                    guard case .invalidURL = error else { throw error }
                    #expect(error.field == "url")
                }
            }
            #expect(WebhookEndpointError.unknownEvent("call.started").description.contains("\"call.started\""))
            #expect(WebhookEndpointError.unknownEvent("x").field == "events" && WebhookEndpointError.nameTaken("crm").field == "name")
            #expect(try await Self.count(db, "webhook_endpoints") == 2, "nothing refused was written")

            try await store.remove(name: "erp.prod_2")
            await #expect(throws: WebhookEndpointError.notFound("erp.prod_2")) { try await store.remove(name: "erp.prod_2") }
            await #expect(throws: WebhookEndpointError.notFound("nope")) { try await store.setEnabled(name: "nope", false) }
            #expect(try await store.setEnabled(name: "crm", false).disabledAt != nil)
            #expect(try await store.setEnabled(name: "crm", true).disabledAt == nil)
        }
    }

    @Test func theEventTypesSwiftKnowsAreTheOnesTheTableAccepts() async throws {
        try await TestDatabase.withFresh { db, _ in
            for type in WebhookEventType.allCases {
                try await db.execute(
                    """
                    INSERT INTO dialer.webhook_endpoints (name, url, events, secret)
                    VALUES (\(type.rawValue.replacingOccurrences(of: ".", with: "-")), 'https://x.example.com', ARRAY[\(type.rawValue)], 'whsec_AAAA')
                    """
                )
            }
            await #expect(throws: PSQLError.self) {
                try await db.execute(
                    "INSERT INTO dialer.webhook_endpoints (name, url, events, secret) VALUES ('z', 'https://x.example.com', '{call.started}', 'whsec_AAAA')"
                )
            }
        }
    }

    @Test func anEventIsPublishedOncePerSubjectWithOneDeliveryPerSubscribedEndpoint() async throws {
        try await TestDatabase.withFresh { db, _ in
            let store = WebhookEndpointStore(database: db)
            let events = WebhookEventStore(database: db)
            // Nobody receives it: nothing is recorded.
            #expect(try await events.publish(type: .campaignCompleted, subject: "campaign.completed:1", payloadJSON: "{}") == nil)
            #expect(try await Self.count(db, "webhook_events") == 0)
            let crm = try await store.add(name: "crm", url: "https://crm.example.com/hooks", events: ["campaign.completed"]).endpoint
            let erp = try await store.add(name: "erp", url: "https://erp.example.com/hooks", events: ["campaign.completed", "call.ended"]).endpoint
            _ = try await store.add(name: "calls-only", url: "https://c.example.com/hooks", events: ["call.ended"])
            let off = try await store.add(name: "off", url: "https://off.example.com/hooks", events: ["campaign.completed"]).endpoint
            try await store.setEnabled(name: off.name, false)

            let id = try #require(try await events.publish(type: .campaignCompleted, subject: "campaign.completed:1", payloadJSON: #"{"n": 1}"#))
            #expect(id.hasPrefix("msg_") && id.count == 36)
            #expect(try await events.publish(type: .campaignCompleted, subject: "campaign.completed:1", payloadJSON: #"{"n": 2}"#) == id)
            let jobs = try await db.rows(
                """
                SELECT kind, args ->> 'eventID', (args ->> 'endpointID')::bigint, unique_key, max_attempts
                FROM dialer.jobs ORDER BY id
                """,
                as: (String, String, Int64, String, Int).self
            )
            #expect(jobs.map(\.2) == [crm.id, erp.id])
            #expect(jobs.allSatisfy { $0.0 == DeliverWebhookArgs.kind && $0.1 == id && $0.4 == DeliverWebhookArgs.options.maxAttempts })
            #expect(
                jobs.map(\.3) == [
                    DeliverWebhookArgs(eventID: id, endpointID: crm.id).uniqueKey, DeliverWebhookArgs(eventID: id, endpointID: erp.id).uniqueKey,
                ]
            )
            let message = try #require(try await events.message(eventID: id, endpointID: crm.id))
            #expect(message.body.hasPrefix(#"{"data": {"n": 1}, "type": "campaign.completed", "timestamp": ""#))
            #expect(message.secret.hasPrefix("whsec_") && message.url == crm.url && !message.endpointDisabled)
            #expect(try await events.message(eventID: id, endpointID: 999) == nil)
        }
    }

    @Test func aCompletedCampaignPublishesCampaignCompletedOnceWithItsNumbers() async throws {
        try await TestDatabase.withFresh { db, _ in
            _ = try await WebhookEndpointStore(database: db).add(name: "crm", url: "https://crm.example.com/hooks", events: ["campaign.completed"])
            let id = try await CampaignStore(database: db).create(
                NewCampaign(name: "fall-renewals", soql: "SELECT Id FROM Contact", fromNumber: "+14155550100")
            )
            try await db.execute("UPDATE dialer.jobs SET state = 'completed', finalized_at = now() WHERE campaign_id = \(id)")
            try await db.execute("UPDATE dialer.campaigns SET status = 'active', imported_at = now() WHERE id = \(id)")
            try await db.execute(
                """
                INSERT INTO dialer.contacts (campaign_id, salesforce_id, phone_e164, time_zone, skip_reason, outcome)
                VALUES (\(id), '003SB0000000000001', '+12125550101', 'America/New_York', NULL, 'answered'),
                       (\(id), '003SB0000000000002', '+12125550102', 'America/New_York', NULL, 'busy'),
                       (\(id), '003SB0000000000003', '+12125550103', 'America/New_York', 'do_not_call', NULL)
                """
            )
            let campaigns = CampaignStore(database: db)
            #expect(try await campaigns.completeFinished() == ["fall-renewals"])
            #expect(try await campaigns.completeFinished() == [])
            let rows = try await db.rows("SELECT type, subject, payload::text FROM dialer.webhook_events", as: (String, String, String).self)
            #expect(rows.count == 1)
            #expect(rows.first?.0 == "campaign.completed" && rows.first?.1 == "campaign.completed:\(id)")
            let payload = try #require(
                try JSONSerialization.jsonObject(with: Data((rows.first?.2 ?? "").utf8)) as? [String: Any]
            )
            #expect(payload["campaign"] as? String == "fall-renewals" && payload["campaignId"] as? Int == Int(id))
            #expect(payload["contacts"] as? Int == 3 && payload["callable"] as? Int == 2)
            #expect((payload["skipped"] as? [String: Int])?["doNotCall"] == 1)
            let outcomes = try #require(payload["outcomes"] as? [String: Int])
            #expect(outcomes["answered"] == 1 && outcomes["busy"] == 1 && outcomes["noAnswer"] == 0)
            #expect((payload["completedAt"] as? String)?.hasSuffix("Z") == true)
            #expect(try await db.scalar("SELECT count(*)::int FROM dialer.jobs WHERE kind = 'deliver_webhook'", as: Int.self) == 1)
        }
    }

    @Test func failedDeliveriesAreListedWithoutSecretsAndRetriedByEndpointAndTime() async throws {
        try await TestDatabase.withFresh { db, _ in
            let store = WebhookEndpointStore(database: db)
            let events = WebhookEventStore(database: db)
            let (crm, secret) = try await store.add(name: "crm", url: "https://crm.example.com/hooks?token=t0ps3cret", events: ["call.ended"])
            let erp = try await store.add(name: "erp", url: "https://erp.example.com/hooks", events: ["call.ended"]).endpoint
            for n in 1...3 { try await events.publish(type: .callEnded, subject: "call.ended:CA\(n)", payloadJSON: "{}") }
            // crm's first two deliveries ran out of attempts (one long ago), erp's first waits to retry.
            try await db.execute(
                """
                UPDATE dialer.jobs SET state = 'discarded', attempt = 8, finalized_at = now(),
                    attempted_at = CASE WHEN args ->> 'eventID' = (SELECT id FROM dialer.webhook_events WHERE subject = 'call.ended:CA1')
                                        THEN now() - interval '3 days' ELSE now() END,
                    errors = jsonb_build_array(jsonb_build_object('message', 'HTTP 503: down for maintenance'))
                WHERE (args ->> 'endpointID')::bigint = \(crm.id) AND args ->> 'eventID' IN
                      (SELECT id FROM dialer.webhook_events WHERE subject IN ('call.ended:CA1', 'call.ended:CA2'))
                """
            )
            try await db.execute(
                """
                UPDATE dialer.jobs SET state = 'retryable', attempt = 1, attempted_at = now(), run_at = now() + interval '5 minutes',
                    errors = jsonb_build_array(jsonb_build_object('message', 'no answer from erp.example.com: timed out'))
                WHERE (args ->> 'endpointID')::bigint = \(erp.id)
                  AND args ->> 'eventID' = (SELECT id FROM dialer.webhook_events WHERE subject = 'call.ended:CA1')
                """
            )
            let failed = try await store.deliveries(failedOnly: true)
            #expect(failed.map(\.state).sorted { $0.rawValue < $1.rawValue } == [.failed, .failed, .retrying])
            #expect(
                failed.contains { $0.endpoint == "erp" && $0.lastError == "no answer from erp.example.com: timed out" && $0.nextAttemptAt != nil }
            )
            #expect(try await store.deliveries().count == 6)
            let page = try await store.deliveries(limit: 4)
            let rest = try await store.deliveries(limit: 4, before: page.last?.jobID)
            #expect(page.count == 4 && rest.count == 2 && Set((page + rest).map(\.jobID)).count == 6, "a cursor pages through them")
            #expect(try await store.deliveries(endpoint: "crm", failedOnly: true).allSatisfy { $0.endpoint == "crm" && $0.attempts == 8 })
            let view = try await db.scalar("SELECT json_agg(f)::text FROM dialer.webhook_delivery_failures AS f", as: String.self)
            #expect(view.contains("HTTP 503") && view.contains("call.ended"))
            #expect(!view.contains(secret) && !view.contains("t0ps3cret"), "no secret and no URL in the view")

            await #expect(throws: WebhookEndpointError.notFound("nope")) { try await store.retry(endpoint: "nope") }
            #expect(try await store.retry(endpoint: "crm", since: Date().addingTimeInterval(-3600)) == 1, "the recent one")
            #expect(try await store.retry(endpoint: "crm") == 1, "the old one")
            #expect(try await store.retry() == 1, "erp's waiting one, now")
            #expect(try await store.retry() == 0)
            let states = try await db.rows(
                "SELECT state, max_attempts, run_at <= now() FROM dialer.jobs WHERE errors <> '[]'",
                as: (String, Int, Bool).self
            )
            #expect(states.count == 3 && states.allSatisfy { $0.0 == "available" && $0.2 })
            #expect(states.filter { $0.1 == 9 }.count == 2, "one more attempt for those that had none left")

            // Removing an endpoint cancels what it had queued.
            try await store.remove(name: "crm")
            #expect(try await db.scalar("SELECT count(*)::int FROM dialer.jobs WHERE state = 'cancelled'", as: Int.self) == 3)
            #expect(
                try await store.deliveries().filter { $0.state == .cancelled }.allSatisfy {
                    $0.endpoint == nil && $0.lastError == "endpoint crm removed"
                }
            )
        }
    }

    @Test func theMonitorRoleReadsTheDeliveryViewsButNeverAnEndpointOrItsSecret() async throws {
        try await TestDatabase.withFresh { db, _ in
            let (endpoint, _) = try await WebhookEndpointStore(database: db).add(name: "crm", url: "https://crm.example.com", events: ["call.ended"])
            try await WebhookEventStore(database: db).publish(type: .callEnded, subject: "call.ended:CA1", payloadJSON: #"{"callSid": "CA1"}"#)
            try await db.client.withConnection { connection in
                try await connection.query("SET ROLE dialer_monitor", logger: TestDatabase.testLogger)
                for view in ["webhook_deliveries", "webhook_delivery_failures"] {
                    let rows = try await connection.query(
                        PostgresQuery(unsafeSQL: "SELECT count(*)::int FROM dialer.\(view)"),
                        logger: TestDatabase.testLogger
                    )
                    for try await count in rows.decode(Int.self) { #expect(count == (view == "webhook_deliveries" ? 1 : 0)) }
                }
                for forbidden in [
                    "SELECT secret FROM dialer.webhook_endpoints", "SELECT count(*) FROM dialer.webhook_endpoints",
                    "SELECT payload FROM dialer.webhook_events", "SELECT dialer.retry_webhook_deliveries()",
                    "SELECT id FROM dialer.webhook_events, dialer.webhook_endpoints AS e WHERE e.id = \(endpoint.id)",
                ] {
                    await #expect(throws: PSQLError.self, "\(forbidden)") {
                        for try await _ in try await connection.query(PostgresQuery(unsafeSQL: forbidden), logger: TestDatabase.testLogger) {}
                    }
                }
                try await connection.query("RESET ROLE", logger: TestDatabase.testLogger)
            }
        }
    }
}
