import DialerServices
import Foundation

/// What `dialer-lab bench api` measured.
struct APIBenchmarkReport: Sendable {
    let settings: APIBenchmark.Settings
    let postgres: [(String, String)]
    var baseline = WebhookBenchmarkReport.Load()
    var calls = WebhookBenchmarkReport.Load()
    /// Contacts and jobs the accepted calls left (warm-up included).
    var queued = (contacts: 0, jobs: 0)
    var listPages = WebhookBenchmarkReport.Load()
    var campaignPage = WebhookBenchmarkReport.Load()
    var consolePage = WebhookBenchmarkReport.Load()

    var text: String {
        let measured = settings.scenarios
        var lines = [
            "postgres: \(postgres.map { "\($0.0)=\($0.1)" }.joined(separator: " "))",
            "configured: \(settings.connections) keep-alive connections, \(settings.seconds) s measured per scenario after \(settings.warmup) s of warm-up; service pool 20 connections",
        ]
        if measured.contains(.calls) {
            lines.append("POST /v1/calls (202 = durably queued): \(calls.text)")
            lines.append("queued by the run (warm-up included): \(queued.contacts) contacts, \(queued.jobs) jobs")
        }
        let list = "\(settings.listContacts) contacts, \(settings.listContacts * 2) calls"
        if measured.contains(.list) {
            lines.append("GET /v1/calls?campaign= (\(list), 50 a page, cursors across the list): \(listPages.text)")
        }
        if measured.contains(.campaign) { lines.append("GET /v1/campaigns/{name} (the same campaign's progress): \(campaignPage.text)") }
        if measured.contains(.console) {
            lines.append("GET /console/campaigns/{name} (its console page: progress and the newest 50 calls): \(consolePage.text)")
        }
        lines.append("baseline, same listener and connections: GET /healthz \(baseline.text)")
        return lines.joined(separator: "\n")
    }
}
