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
        """
        postgres: \(postgres.map { "\($0.0)=\($0.1)" }.joined(separator: " "))
        configured: \(settings.connections) keep-alive connections, \(settings.seconds) s measured per scenario after \(settings.warmup) s of warm-up; service pool 20 connections
        POST /v1/calls (202 = durably queued): \(calls.text)
        queued by the run (warm-up included): \(queued.contacts) contacts, \(queued.jobs) jobs
        GET /v1/calls?campaign= (\(settings.listContacts) contacts, \(settings.listContacts * 2) calls, 50 a page, cursors across the list): \(listPages.text)
        GET /v1/campaigns/{name} (the same campaign's progress): \(campaignPage.text)
        GET /console/campaigns/{name} (its console page: progress and the newest 50 calls): \(consolePage.text)
        baseline, same listener and connections: GET /healthz \(baseline.text)
        """
    }
}
