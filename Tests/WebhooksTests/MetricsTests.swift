import Foundation
import Hummingbird
import HummingbirdTesting
import Store
import TestSupport
import Testing
import Twilio
import Webhooks

/// `GET /metrics` as Prometheus scrapes it from the admin listener, after the requests a day
/// brings.
@Suite struct MetricsTests {
    /// The value of one sample line (`name{labels} value`), nil when the series is absent.
    static func sample(_ text: String, _ series: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last!) }
    }

    @Test func metricsCountRequestsByRouteAndStatusSignatureFailuresCallbackLagAndDatabaseTime() async throws {
        try await TestDatabase.withFresh { db, _ in
            let attempt = try await StatusCallbackTests.attempt(db)
            let metrics = WebhookMetrics()
            try await StatusCallbackTests.app(db, metrics: metrics).test(.router) { client in
                let uri = "/twilio/status?attempt=\(attempt.uuidString.lowercased())"
                // Twilio stamps its events; these are 3 s old when they arrive.
                var callback = StatusCallbackTests.callback(0, "initiated")
                callback.removeAll { $0.0 == "Timestamp" }
                callback.append(("Timestamp", TwilioDate.string(from: Date().addingTimeInterval(-3))))
                let accepted = try await StatusCallbackTests.post(client, uri, callback)
                #expect(accepted == .noContent)
                let forged = try await StatusCallbackTests.post(client, uri, StatusCallbackTests.callback(1, "ringing"), signature: "AAAA")
                #expect(forged == .forbidden)
                let unsigned = try await client.execute(uri: "/twilio/voice", method: .post) { $0.status }
                #expect(unsigned == .forbidden)
                let missing = try await client.execute(uri: "/wp-login.php", method: .get) { $0.status }
                #expect(missing == .notFound)

                // Scraped on the admin listener's router; the public one has no /metrics.
                let (status, contentType, text) = try await Application(router: WebhookRouter.makeAdmin(metrics: metrics)).test(.router) { admin in
                    try await admin.execute(uri: "/metrics", method: .get) {
                        ($0.status, $0.headers[.contentType], String(buffer: $0.body))
                    }
                }
                let onThePublicPort = try await client.execute(uri: "/metrics", method: .get) { $0.status }
                #expect(onThePublicPort == .notFound)
                #expect(status == .ok)
                #expect(contentType?.hasPrefix("text/plain; version=0.0.4") == true)
                #expect(Self.sample(text, #"dialer_http_requests_total{route="/twilio/status",status="204"}"#) == 1)
                #expect(Self.sample(text, #"dialer_http_requests_total{route="/twilio/status",status="403"}"#) == 1)
                #expect(Self.sample(text, #"dialer_http_requests_total{route="/twilio/voice",status="403"}"#) == 1)
                // A path no route knows is counted under one label, whatever the path was.
                #expect(Self.sample(text, #"dialer_http_requests_total{route="unmatched",status="404"}"#) == 1)
                #expect(!text.contains("wp-login"))
                #expect(Self.sample(text, #"dialer_twilio_signature_failures_total{route="/twilio/status"}"#) == 1)
                #expect(Self.sample(text, #"dialer_twilio_signature_failures_total{route="/twilio/voice"}"#) == 1)
                // Only the accepted callback was applied: one lag sample, about 3 s, and one
                // database operation.
                #expect(Self.sample(text, "dialer_twilio_callback_lag_seconds_count") == 1)
                #expect(Self.sample(text, #"dialer_twilio_callback_lag_seconds_bucket{le="2.0"}"#) == 0)
                #expect(Self.sample(text, #"dialer_twilio_callback_lag_seconds_bucket{le="5.0"}"#) == 1)
                #expect(Self.sample(text, #"dialer_database_operation_duration_seconds_count{operation="record_call_status"}"#) == 1)
                #expect(Self.sample(text, #"dialer_http_request_duration_seconds_count{route="/twilio/status"}"#) == 2)
            }
        }
    }
}
