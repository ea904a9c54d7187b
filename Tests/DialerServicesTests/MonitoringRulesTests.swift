import DialerServices
import Foundation
import TestSupport
import Testing
import Webhooks

/// The alert rules and the dashboard in ops/monitoring name only metrics the processes export:
/// a renamed metric would silence an alert without anyone noticing. (`promtool check rules`
/// in ops/test checks that the rules load.)
@Suite struct MonitoringRulesTests {
    static let monitoring = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ops/monitoring")

    /// The `dialer_…` series a text names, without the histogram suffixes.
    static func metricNames(in text: String) -> Set<String> {
        var names: Set<String> = []
        for match in text.matches(of: /dialer_[a-z_]+/) {
            var name = String(match.output)
            for suffix in ["_bucket", "_count", "_sum"] where name.hasSuffix(suffix) { name.removeLast(suffix.count) }
            names.insert(name)
        }
        return names
    }

    @Test func everyMetricTheRulesAndTheDashboardNameIsExported() async throws {
        try await TestDatabase.withFresh { db, _ in
            // One of everything each process records.
            let worker = WorkerMetrics(database: db)
            worker.claimed(kind: "place_call", count: 1)
            worker.finished(kind: "place_call", outcome: "completed", duration: .milliseconds(40))
            worker.slotReserved(latency: .milliseconds(2))
            worker.callPosted(late: .milliseconds(3))
            worker.slotMissed(late: .milliseconds(90))
            worker.response(service: "twilio", status: 201, duration: .milliseconds(120))
            try await db.execute("INSERT INTO dialer.jobs (kind, args) VALUES ('place_call', '{\"contactID\": 1}')")
            let webhooks = WebhookMetrics()
            webhooks.request(route: "/twilio/status", status: 204, duration: .milliseconds(3))
            webhooks.signatureFailure(route: "/twilio/status")
            webhooks.callbackLag(.milliseconds(400))
            webhooks.turnLatency(.milliseconds(300))
            let exposition = String(decoding: await worker.exposition() + webhooks.exposition(), as: UTF8.self)
            let exported = Set(
                exposition.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.map { String($0.split(separator: " ")[2]) }
            )
            for file in ["alerts.yml", "dashboard.json"] {
                let text = try String(contentsOf: Self.monitoring.appendingPathComponent(file), encoding: .utf8)
                let named = Self.metricNames(in: text)
                #expect(!named.isEmpty, "\(file) names no metric")
                for name in named.sorted() { #expect(exported.contains(name), "\(file) names \(name), which no process exports") }
            }
        }
    }
}
