import AsyncHTTPClient
import Console
import Foundation
import PostgresNIO
import Store
import TestSupport
import Testing

/// The live regions: Postgres notifies, the console's one LISTEN connection fans out, and each
/// stream pushes its region again.
@Suite struct ConsoleLiveTests {
    @Test func aStreamPushesItsRegionAgainAfterANotification() async throws {
        try await TestDatabase.withFresh { db, _ in
            let fixture = try await ConsoleFixture.make(db)
            let (_, token) = try await APIKeyStore(database: db).create(name: "ops", scopes: [.read])
            try await ConsoleServer.with(db) { console in
                let session = try #require(try await console.signIn(token).session)
                var request = HTTPClientRequest(url: console.baseURL + "/console/events" + fixture.path.dropFirst("/console".count))
                request.headers.add(name: "Cookie", value: "\(ConsoleRoutes.cookieName)=\(session)")
                let response = try await console.client.execute(request, timeout: .seconds(20))
                #expect(response.status == .ok)
                #expect(response.headers.first(name: "Content-Type")?.hasPrefix("text/event-stream") == true)
                var text = ""
                var changed = false
                for try await chunk in response.body {
                    text += String(buffer: chunk)
                    if !changed, text.contains("event: fragment"), text.contains(#"data-field="status">active"#) {
                        // Nothing but the trigger's NOTIFY tells the stream.
                        try await db.execute("UPDATE dialer.campaigns SET status = 'paused' WHERE id = \(fixture.campaignID)")
                        changed = true
                    }
                    if changed, text.contains(#"data-field="status">paused"#) { break }
                }
                #expect(text.hasPrefix("retry: 2000\n\n"))
                #expect(text.contains(#"data-field="status">paused"#), "\(text)")
                // Every line of a fragment is a data line.
                let event = try #require(text.components(separatedBy: "\n\n").last { $0.contains("paused") })
                #expect(event.split(separator: "\n").dropFirst().allSatisfy { $0.hasPrefix("data: ") }, "\(event)")
            }
        }
    }

    /// Revoking the key ends its open streams at their next change, with nothing more shown.
    @Test func aRevokedKeysStreamEndsAtItsNextChange() async throws {
        try await TestDatabase.withFresh { db, _ in
            let fixture = try await ConsoleFixture.make(db)
            let keys = APIKeyStore(database: db)
            let (_, token) = try await keys.create(name: "ops", scopes: [.read])
            try await ConsoleServer.with(db) { console in
                let session = try #require(try await console.signIn(token).session)
                var request = HTTPClientRequest(url: console.baseURL + "/console/events" + fixture.path.dropFirst("/console".count))
                request.headers.add(name: "Cookie", value: "\(ConsoleRoutes.cookieName)=\(session)")
                let response = try await console.client.execute(request, timeout: .seconds(20))
                var text = ""
                var revoked = false
                for try await chunk in response.body {
                    text += String(buffer: chunk)
                    if !revoked, text.contains("event: fragment") {
                        try await keys.revoke(name: "ops")
                        try await db.execute("UPDATE dialer.campaigns SET status = 'paused' WHERE id = \(fixture.campaignID)")
                        revoked = true
                    }
                }
                // The body ended (no timeout), and the change never reached the revoked reader.
                #expect(revoked)
                #expect(!text.contains(#"data-field="status">paused"#))
            }
        }
    }

    /// However many streams are open, the process holds one LISTEN connection, and gives it
    /// back to the pool once the last stream has gone.
    @Test func streamsShareOneListenConnectionThatIsGivenBackWhenTheyClose() async throws {
        try await TestDatabase.withFresh { db, _ in
            _ = try await ConsoleFixture.make(db)
            let (_, token) = try await APIKeyStore(database: db).create(name: "ops", scopes: [.read])
            @Sendable func listening() async throws -> Int {
                try await db.scalar(
                    """
                    SELECT count(*)::int FROM pg_stat_activity
                    WHERE datname = current_database() AND query ILIKE 'LISTEN%dialer_console%'
                    """,
                    as: Int.self
                )
            }
            try await ConsoleServer.with(db) { console in
                let session = try #require(try await console.signIn(token).session)
                let opened = CapturedLines()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for path in ["/console/events/campaigns", "/console/events/tasks", "/console/events/campaigns"] {
                        group.addTask {
                            var request = HTTPClientRequest(url: console.baseURL + path)
                            request.headers.add(name: "Cookie", value: "\(ConsoleRoutes.cookieName)=\(session)")
                            let response = try await console.client.execute(request, timeout: .seconds(90))
                            for try await chunk in response.body where String(buffer: chunk).contains("event: fragment") {
                                opened.append(path)
                            }
                        }
                    }
                    #expect(await eventually(timeout: .seconds(20)) { opened.all.count >= 3 })
                    let connections = try await listening()
                    #expect(connections == 1)
                    group.cancelAll()
                }
                // A stream notices its client has gone at its next write: a keep-alive at the latest.
                let released = try await eventually(timeout: .seconds(40)) { try await listening() == 0 }
                #expect(released)
            }
        }
    }

    /// The write path's cost: one statement that touches many rows of one campaign sends one
    /// notification, not one per row.
    @Test func aStatementSendsOneNotificationPerCampaignOrCall() async throws {
        try await TestDatabase.withFresh { db, _ in
            let fixture = try await ConsoleFixture.make(db)
            try await db.execute(
                """
                INSERT INTO dialer.contacts (campaign_id, salesforce_id, phone_e164, time_zone, time_zone_source)
                SELECT \(fixture.campaignID), '003SB' || lpad(n::text, 10, '0') || 'AAA', '+1212556' || lpad(n::text, 4, '0'), 'America/New_York', 'area_code'
                FROM generate_series(1, 200) AS n
                """
            )
            let received = try await db.listener.withConnection { connection in
                try await connection.listen(on: "dialer_console") { notifications in
                    try await db.execute("UPDATE dialer.contacts SET attempts = attempts + 1 WHERE campaign_id = \(fixture.campaignID)")
                    try await db.execute(
                        """
                        INSERT INTO dialer.transcript_entries (call_sid, seq, speaker, text, start_ms, end_ms)
                        VALUES (\(fixture.callSID), 0, 'agent', 'Hello', 0, 900), (\(fixture.callSID), 1, 'callee', 'yes', 1000, 1400)
                        """
                    )
                    try await db.execute("SELECT pg_notify('dialer_console', 'end')")
                    var payloads: [String] = []
                    for try await notification in notifications {
                        if notification.payload == "end" { break }
                        payloads.append(notification.payload)
                    }
                    return payloads
                }
            }
            #expect(received == ["campaign:\(fixture.campaignID)", "call:\(fixture.callSID)"])
        }
    }
}
