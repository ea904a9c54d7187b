import Demo
import DialerServices
import Foundation
import Logging
import NIOCore
import Sandbox
import Store
import Synchronization
import Twilio

/// `dialer-lab bench soak`: the webhook service under the benchmark's callback rate for minutes,
/// while a worker dials a campaign through the same service; the service's and the worker's
/// memory watched all along.
///
/// Both are real child processes (`dialer serve`, `dialer worker`) on a throwaway cluster
/// with fsync on, so what is measured is what an operator runs: resident memory comes from
/// /proc. The callbacks are paced (open loop): connection c sends its k-th callback at
/// (k × C + c) / rate, so latency is measured at a fixed load, not at whatever the service
/// lets through. The Sandbox Twilio sends the dialed calls' own callbacks to the same service.
struct SoakBenchmark: Sendable {
    struct Settings: Sendable {
        var seconds = 300.0
        var connections = 48
        var callbacksPerSecond = 2_000.0
        var dialRate = 10.0
        /// The report's rows: one per window.
        var window = 30.0
        var memorySampleEvery = 5.0
        /// The same callbacks first with no worker running: the run's baseline.
        var baselineSeconds = 30.0
    }

    let settings: Settings
    let logger: Logger

    func run(progress: @escaping @Sendable (String) -> Void) async throws -> SoakReport {
        try await EphemeralPostgres.with { cluster in try await run(on: cluster, progress: progress) }
    }

    func run(on cluster: EphemeralPostgres, progress: @escaping @Sendable (String) -> Void) async throws -> SoakReport {
        let url = try DatabaseURL(cluster.url)
        let calls = Int(settings.callbacksPerSecond * (settings.seconds + settings.baselineSeconds + 10) / 4) + settings.connections
        progress("throwaway cluster at \(cluster.directory); seeding \(calls) placed calls for the callbacks")
        let (postgres, campaign, attempts) = try await Database.run(url: url, maxConnections: 4, logger: logger) { db in
            try await Migrator(database: db).migrate()
            let (campaign, placed) = try await db.seedPlacedCalls(name: "soak-callbacks", calls: calls)
            return (try await QueueBenchmark.postgresSettings(db), campaign, placed.map(\.attemptID))
        }
        let sandboxed = SandboxedDialer.Settings(
            contacts: Int(settings.dialRate * settings.seconds),
            rate: settings.dialRate,
            environment: ["DIALER_RATE_HEADROOM": "0.1"]
        )
        return try await SandboxedDialer.with(sandboxed, url: url, logger: logger) { stack in
            var report = SoakReport(settings: settings, postgres: postgres, logDirectory: stack.directory)
            let processes = stack.processes([SandboxedDialer.worker("worker"), stack.serve()])
            let windows = SoakWindows(count: Int((settings.seconds / settings.window).rounded(.up)))
            let baseline = SoakWindows(count: 1)
            let signer = TwilioSignature(authToken: stack.environment["TWILIO_AUTH_TOKEN"] ?? "")
            let publicURL = stack.environment["DIALER_PUBLIC_URL"] ?? ""
            let callback: @Sendable (Int) throws -> LoadConnection.Request = { n in
                try WebhookBenchmark.callback(n, attempts: attempts, signer: signer, campaign: campaign, publicURL: publicURL)
            }
            let baselineRequests = Int(settings.callbacksPerSecond * settings.baselineSeconds) + settings.connections
            try processes.start("serve")
            do {
                try await waitUntilServing(port: stack.servePort)
                progress("baseline: callbacks at \(Int(settings.callbacksPerSecond))/s for \(Int(settings.baselineSeconds)) s, no worker running")
                try await load(
                    port: stack.servePort,
                    start: .now,
                    seconds: settings.baselineSeconds,
                    window: settings.baselineSeconds,
                    windows: baseline
                ) { n in
                    try callback(n)
                }
                try processes.start("worker")
                _ = try await SandboxedDialer.createCampaign(url: url, name: "soak-dialing", rate: settings.dialRate, logger: logger)
                progress(
                    "callbacks at \(Int(settings.callbacksPerSecond))/s over \(settings.connections) connections for \(Int(settings.seconds)) s; a worker dialing at \(settings.dialRate)/s"
                )
                let start = ContinuousClock.now
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        try await load(port: stack.servePort, start: start, seconds: settings.seconds, window: settings.window, windows: windows) {
                            n in
                            try callback(baselineRequests + n)
                        }
                    }
                    group.addTask {
                        try await watch(
                            processes: processes,
                            twilio: { stack.twilio.callCreateInstants.count },
                            start: start,
                            windows: windows,
                            progress: progress
                        )
                    }
                    try await group.waitForAll()
                }
            } catch {
                await processes.stopAll()
                throw error
            }
            await processes.stopAll()
            report.windows = windows.snapshot()
            report.baseline = baseline.snapshot()[0]
            report.callsPlaced = stack.twilio.calls.count
            report.busiestDialingSecond = RateWindow.busiest(stack.twilio.callCreateInstants)
            report.restarts = processes.startCounts.values.reduce(0) { $0 + $1 - 1 }
            let (events, busiestSlots) = try await Database.run(url: url, maxConnections: 2, logger: logger) { db in
                let events =
                    try await db.client.query("SELECT count(*)::int FROM dialer.call_events", logger: logger)
                    .decode(Int.self).first { _ in true } ?? 0
                return (events, try await SandboxedDialer.busiestSlotSecond(db, logger: logger))
            }
            report.events = events
            report.busiestSlotSecond = busiestSlots
            return report
        }
    }

    /// Until the service answers GET /healthz, or 30 s.
    func waitUntilServing(port: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            let answered = try? await LoadConnection.withConnections(1, port: port) { _, connection in
                try await connection.send(LoadConnection.Request(path: "/healthz"))
            }
            if answered == [200] { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw CommandFailure("dialer serve did not answer on port \(port) within 30 s")
    }

    /// The paced callbacks, each one's latency and answer put in its window.
    func load(
        port: Int,
        start: ContinuousClock.Instant,
        seconds: Double,
        window: Double,
        windows: SoakWindows,
        _ request: @escaping @Sendable (Int) throws -> LoadConnection.Request
    ) async throws {
        let connections = settings.connections
        let rate = settings.callbacksPerSecond
        let end = start + .seconds(seconds)
        _ = try await LoadConnection.withConnections(connections, port: port) { index, connection in
            var k = 0
            while true {
                let n = k * connections + index
                let due = start + .seconds(Double(n) / rate)
                // A service that cannot keep the pace leaves the rest unsent: the run ends on time.
                guard due < end, ContinuousClock.now < end else { return 0 }
                if due > ContinuousClock.now { try await Task.sleep(until: due) }
                let sent = ContinuousClock.now
                let status = try await connection.send(try request(n))
                windows.record(at: (sent - start).seconds / window, latency: (ContinuousClock.now - sent).seconds * 1000, ok: status == 204)
                k += 1
            }
        }
    }

    /// Every few seconds, each child's resident memory and the calls dialed, until the run ends.
    func watch(
        processes: DialerProcesses,
        twilio: @escaping @Sendable () -> Int,
        start: ContinuousClock.Instant,
        windows: SoakWindows,
        progress: @escaping @Sendable (String) -> Void
    ) async throws {
        var shown = 0
        while ContinuousClock.now - start < .seconds(settings.seconds) {
            try await Task.sleep(for: .seconds(settings.memorySampleEvery))
            let at = (ContinuousClock.now - start).seconds / settings.window
            windows.sample(at: at, serve: processes.residentBytes("serve"), worker: processes.residentBytes("worker"), dialed: twilio())
            // Each window once it is over (a callback sent at its end may still be out).
            if Int(at) > shown {
                progress("  " + windows.snapshot()[shown].line(seconds: settings.window))
                shown = Int(at)
            }
            _ = try processes.restartDead()
        }
    }
}

/// The run's measurements, window by window, from every connection at once.
final class SoakWindows: Sendable {
    private let windows: Mutex<[SoakReport.Window]>

    init(count: Int) { windows = Mutex((0..<max(1, count)).map { SoakReport.Window(index: $0) }) }

    func record(at position: Double, latency: Double, ok: Bool) {
        windows.withLock { windows in
            let index = min(windows.count - 1, Int(position))
            windows[index].latenciesMs.append(latency)
            if !ok { windows[index].errors += 1 }
        }
    }

    func sample(at position: Double, serve: Int?, worker: Int?, dialed: Int) {
        windows.withLock { windows in
            let index = min(windows.count - 1, Int(position))
            if let serve { windows[index].serveBytes.append(serve) }
            if let worker { windows[index].workerBytes.append(worker) }
            windows[index].dialedBy = dialed
        }
    }

    func snapshot() -> [SoakReport.Window] { windows.withLock { $0 } }
}
