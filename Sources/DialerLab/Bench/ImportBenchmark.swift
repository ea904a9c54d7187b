import Demo
import DialerServices
import Foundation
import Hummingbird
import Logging
import Salesforce
import Sandbox
import Store

/// `dialer-lab bench import`: a campaign of N contacts imported from a Sandbox Salesforce by a real
/// `dialer worker` process, timed from creation to active, with the worker's peak memory.
struct ImportBenchmark: Sendable {
    let url: DatabaseURL
    let contacts: Int
    let pageSize: Int
    let logger: Logger

    struct Report: Sendable {
        var contacts = 0
        var seconds = 0.0
        var callable = 0
        var skipped: [String: Int] = [:]
        var workerPeakKiB = 0
        var pages = 0
        /// Baseline: reading every page from the Sandbox with the same client, writing nothing.
        var fetchOnlySeconds = 0.0

        var text: String {
            let rate = Double(contacts) / max(seconds, 1e-9)
            return """
                import: \(contacts) contacts in \(String(format: "%.2f", seconds)) s (\(String(format: "%.0f", rate)) contacts/s), \(pages) pages
                callable: \(callable); skipped: \(skipped.filter { $0.value > 0 }.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
                worker peak memory (VmHWM): \(workerPeakKiB / 1024) MiB
                baseline, same run: fetching the same pages without writing: \(String(format: "%.2f", fetchOnlySeconds)) s (\(String(format: "%.0f", Double(contacts) / max(fetchOnlySeconds, 1e-9))) contacts/s)
                """
        }
    }

    func run(progress: @escaping @Sendable (String) -> Void) async throws -> Report {
        let keys = try ConnectedAppKeys.generate()
        let sandbox = SandboxSalesforce(
            configuration: .init(
                clientID: "3MVG9benchConsumerKey",
                username: "bench@dialer.test",
                publicKeyPEM: keys.publicKeyPEM,
                pageSize: pageSize
            )
        )
        progress("seeding \(contacts) contacts in the Sandbox Salesforce")
        sandbox.seedContacts(contacts)
        return try await withLoopbackServer(sandbox.router(), logger: logger) { port in
            sandbox.baseURL = "http://127.0.0.1:\(port)"
            return try await measure(sandbox: sandbox, keys: keys, progress: progress)
        }
    }

    func measure(sandbox: SandboxSalesforce, keys: ConnectedAppKeys, progress: @escaping @Sendable (String) -> Void) async throws -> Report {
        try await Database.run(url: url, maxConnections: 4, logger: logger) { db in
            try await Migrator(database: db).migrate()
            let worker = Process()
            worker.executableURL = DialerBinary.url
            worker.arguments = ["worker"]
            worker.environment = ProcessInfo.processInfo.environment.merging([
                "DATABASE_URL": url.connectionString, "LOG_LEVEL": "warning",
                "SALESFORCE_CLIENT_ID": "3MVG9benchConsumerKey", "SALESFORCE_USERNAME": "bench@dialer.test",
                "SALESFORCE_LOGIN_URL": sandbox.baseURL, "SALESFORCE_AUDIENCE": sandbox.configuration.audience,
                "SALESFORCE_PRIVATE_KEY": keys.privateKeyPEM,
            ]) { _, new in new }
            try worker.run()
            defer { if worker.isRunning { worker.terminate() } }

            let name = "bench-import-\(Int(Date().timeIntervalSince1970))"
            var campaign = NewCampaign(
                name: name,
                soql: SOQLQuery(fields: SalesforceContact.fields, object: "Contact").soql,
                fromNumber: "+14155550100"
            )
            campaign.agentScript = nil
            let store = CampaignStore(database: db)
            let start = ContinuousClock.now
            let id = try await store.create(campaign)
            var report = Report()
            while true {
                try await Task.sleep(for: .milliseconds(100))
                guard let row = try await store.progress(name: name).first else { continue }
                progress(ImportProgressDisplay.bar(row))
                if row.status != .importing {
                    report.seconds = (ContinuousClock.now - start).seconds
                    report.contacts = row.contacts
                    report.callable = row.callable
                    report.skipped = row.skipped
                    if let error = row.importError { throw CommandFailure("import failed: \(error)") }
                    break
                }
            }
            report.workerPeakKiB = Self.peakMemoryKiB(pid: worker.processIdentifier)
            report.pages = sandbox.requests.filter { $0.path.contains("/query") }.count
            worker.terminate()
            worker.waitUntilExit()
            try await db.removeBenchmarkCampaign(id)

            let client = SalesforceClient(
                configuration: SalesforceConfiguration(
                    clientID: "3MVG9benchConsumerKey",
                    username: "bench@dialer.test",
                    loginURL: sandbox.baseURL,
                    audience: sandbox.configuration.audience,
                    privateKeyPEM: keys.privateKeyPEM
                ),
                logger: logger
            )
            let fetchStart = ContinuousClock.now
            for try await _ in client.queryPages(campaign.soql, as: SalesforceContact.self) {}
            report.fetchOnlySeconds = (ContinuousClock.now - fetchStart).seconds
            return report
        }
    }

    /// VmHWM: the most resident memory the process ever had.
    static func peakMemoryKiB(pid: Int32) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
        else { return 0 }
        return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
    }
}
