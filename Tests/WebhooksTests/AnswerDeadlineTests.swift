import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Store
import Synchronization
import TestSupport
import Testing
import Twilio
import Webhooks

/// A request Postgres cannot take is answered 503 in time, and what it carried is not lost.
@Suite struct AnswerDeadlineTests {
    @Test func aCallbackPostgresCannotTakeIs503WithinTheLimitAndIsWrittenOncePostgresCan() async throws {
        try await TestDatabase.withFresh { db, _ in
            let attempt = try await StatusCallbackTests.attempt(db)
            let configuration = {
                var configuration = StatusCallbackTests.configuration
                configuration.answerTimeout = .seconds(1)
                return configuration
            }()
            let metrics = WebhookMetrics()
            try await StatusCallbackTests.app(db, configuration: configuration, metrics: metrics).test(.router) { client in
                let uri = "/twilio/status?attempt=\(attempt.uuidString.lowercased())"
                let ringing = StatusCallbackTests.callback(0, "ringing")
                let signature = TwilioSignature(authToken: StatusCallbackTests.authToken)
                    .signature(url: configuration.publicURL + uri, parameters: ringing)
                // Postgres out of reach, as the route sees it: the table it writes is locked
                // (reads go on), for 15 s at most, so that without the deadline the test fails
                // on a late 204 rather than hanging.
                let (locked, lockTaken) = AsyncStream<Void>.makeStream()
                let release = Mutex(false)
                let holder = Task {
                    try await db.client.withTransaction(logger: TestDatabase.testLogger) { connection in
                        try await connection.query("LOCK TABLE dialer.call_events IN SHARE MODE", logger: TestDatabase.testLogger)
                        lockTaken.yield()
                        _ = await eventually(timeout: .seconds(15)) { release.withLock { $0 } }
                    }
                }
                for await _ in locked { break }
                let asked = ContinuousClock.now
                let (status, retryAfter) = try await client.execute(
                    uri: uri,
                    method: .post,
                    headers: [.contentType: "application/x-www-form-urlencoded", HTTPField.Name("X-Twilio-Signature")!: signature],
                    body: StatusCallbackTests.form(ringing)
                ) { ($0.status, $0.headers[.retryAfter]) }
                let took = ContinuousClock.now - asked
                #expect(status == .serviceUnavailable && retryAfter == "5", "\(status)")
                #expect(took >= .seconds(1) && took < .seconds(5), "answered after \(took)")
                #expect(try await StatusCallbackTests.events(db) == 0)
                release.withLock { $0 = true }
                try await holder.value
                // The lock gone, the work left behind writes the callback: nothing was lost.
                #expect(try await eventually { try await StatusCallbackTests.events(db) == 1 })
                #expect(try await db.scalar("SELECT status FROM dialer.calls", as: String.self) == "ringing")
                let next = try await StatusCallbackTests.post(client, uri, StatusCallbackTests.callback(1, "in-progress"))
                #expect(next == .noContent)
            }
            let exposition = String(decoding: metrics.exposition(), as: UTF8.self)
            #expect(exposition.contains("dialer_http_answers_abandoned_total 1"), "\(exposition)")
        }
    }
}
