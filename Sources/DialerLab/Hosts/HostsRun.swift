import AsyncHTTPClient
import Demo
import DialerServices
import Foundation
import Logging
import Sandbox
import Store

/// `dialer-lab hosts`: a campaign through hosts of their own on this machine (`HostNetwork`),
/// sharing one Postgres and nothing else, while the network and a deploy do their worst.
///
/// Postgres on one host; two `dialer serve` on two more behind HAProxy on a fourth (health
/// checked on `/readyz`, WebSockets passed through); two `dialer worker` on two more; the
/// Sandboxes in this process, on the bridge's own address. While the campaign runs it cuts
/// one worker host off from Postgres for several leases (Postgres's answers to it dropped:
/// its requests hang, as across a failed link), then cuts one `serve` host off from the load
/// balancer while calls talk, then restarts both `serve`s one at a time (SIGTERM: the drain;
/// then the new process, and the next only once it is ready).
struct HostsRun: Sendable {
    struct Settings: Sendable {
        var contacts = 300
        var rate = 10.0
        /// The workers' lease, in seconds: the cut lasts four of them.
        var lease = 5
        var settleSeconds = 300.0
    }

    let settings: Settings
    let logger: Logger

    typealias Host = HostNetwork.Host
    static let database = Host(name: "db", octet: 2)
    static let balancer = Host(name: "lb", octet: 3)
    static let serves = [Host(name: "serve-1", octet: 11), Host(name: "serve-2", octet: 12)]
    static let workers = [Host(name: "worker-1", octet: 21), Host(name: "worker-2", octet: 22)]
    static let port = 8080
    static var publicURL: String { "http://\(balancer.address):\(port)" }

    func run(progress: @escaping @Sendable (String) -> Void) async throws -> HostsReport {
        guard getuid() == 0 else { throw DemoError("dialer-lab hosts makes network namespaces: run it as root") }
        guard FileManager.default.isExecutableFile(atPath: HAProxy.executable) else {
            throw DemoError("HAProxy is not installed (\(HAProxy.executable)): run ops/bootstrap")
        }
        _ = try HostNetwork.up([Self.database, Self.balancer] + Self.serves + Self.workers)
        // Last undone: the processes and the cluster in the hosts go first (an interrupt or the
        // watchdog runs the cleanups in reverse).
        let cleanup = InterruptCleanup.shared.add { HostNetwork.down() }
        defer {
            InterruptCleanup.shared.remove(cleanup)
            HostNetwork.down()
        }
        progress(
            "hosts: Postgres \(Self.database.address), HAProxy \(Self.balancer.address), serve \(Self.serves.map(\.address)), workers \(Self.workers.map(\.address)), Sandboxes \(HostNetwork.selfAddress)"
        )
        return try await EphemeralPostgres.with(fast: true, host: (Self.database.namespace, Self.database.address)) { cluster in
            let url = try DatabaseURL(cluster.url)
            try await Database.run(url: url, maxConnections: 2, logger: logger) { db in _ = try await Migrator(database: db).migrate() }
            var sandboxed = SandboxedDialer.Settings(contacts: settings.contacts, rate: settings.rate)
            sandboxed.host = HostNetwork.selfAddress
            sandboxed.reachableHosts = [Self.balancer.address]
            // Conversations to cut and to drain: more people answer than in the chaos run, as
            // many as two cores can hear at once (each runs the embedded recognizer in serve).
            sandboxed.outcomeMix = [
                .init(.human, weight: 15), .init(.machine, weight: 15), .init(.busy, weight: 25), .init(.noAnswer, weight: 30),
                .init(.failed, weight: 15),
            ]
            // An attempt a cut-off worker began may or may not have become a call: it is
            // reconciled from Twilio's list after 30 s (120 s by default; longer than the
            // client's 15 s timeout).
            sandboxed.environment = SandboxedDialer.faultRunTimings.merging([
                "DIALER_PUBLIC_URL": Self.publicURL, "DIALER_RECONCILE_AFTER": "30",
            ]) { _, new in new }
            return try await SandboxedDialer.with(sandboxed, url: url, logger: logger) { stack in
                try await campaign(stack, url: url, progress: progress)
            }
        }
    }

    func campaign(_ stack: SandboxedDialer, url: DatabaseURL, progress: @escaping @Sendable (String) -> Void) async throws -> HostsReport {
        var report = HostsReport(settings: settings)
        report.logDirectory = stack.directory
        // Each dialer host reaches the Sandbox Twilio through a relay on its own loopback: the
        // calling windows' test clock (DIALER_WINDOW_CLOCK_START, which every run here needs,
        // whatever the hour) is refused unless Twilio is on loopback, so no deployment that
        // reaches a real Twilio can move its quiet hours.
        guard let sandbox = stack.environment["TWILIO_BASE_URL"].flatMap(URL.init(string:)), let twilioPort = sandbox.port else {
            throw DemoError("the Sandbox Twilio has no port")
        }
        var environment = stack.environment
        environment["TWILIO_BASE_URL"] = "http://127.0.0.1:\(twilioPort)"
        let processes = DialerProcesses(
            executable: URL(fileURLWithPath: HostNetwork.ip),
            environment: environment,
            directory: stack.directory,
            specs: try specs(directory: stack.directory, twilioPort: twilioPort)
        )
        try processes.startAll()
        guard await Self.ready(Self.publicURL, within: .seconds(60)) else {
            throw DemoError("the load balancer found no ready dialer serve within 60 s; logs in \(stack.directory)")
        }
        let campaignID = try await SandboxedDialer.createCampaign(url: url, name: "hosts", rate: settings.rate, logger: logger)
        progress("campaign of \(settings.contacts) contacts at \(settings.rate) calls/s through \(Self.publicURL)")
        try await Task.sleep(for: .seconds(5))

        // 1. A worker host cut off from Postgres for four leases.
        let lease = Duration.seconds(settings.lease)
        progress("cutting worker-1 off from Postgres for \(settings.lease * 4) s")
        report.workerCut.start = Date()
        try HostNetwork.cut(Self.database, from: Self.workers[0].address)
        try await Task.sleep(for: lease * 4)
        try HostNetwork.mend(Self.database, from: Self.workers[0].address)
        report.workerCut.end = Date()

        // 2. A serve host cut off from the load balancer while calls talk.
        var talking = 0
        for _ in 0..<50 where talking == 0 {
            talking = try await Self.openStreams(url, logger: logger)
            if talking == 0 { try await Task.sleep(for: .milliseconds(200)) }
        }
        progress("cutting serve-1 off from the load balancer for 10 s (conversations open: \(talking))")
        report.serveCut.start = Date()
        try HostNetwork.cut(Self.balancer, from: Self.serves[0].address)
        try await Task.sleep(for: .seconds(10))
        try HostNetwork.mend(Self.balancer, from: Self.serves[0].address)
        report.serveCut.end = Date()
        try await Task.sleep(for: .seconds(5))

        // 3. A rolling deploy: each serve drained and started again, the next once it is ready.
        for serve in Self.serves.reversed() {
            progress("restarting \(serve.name): SIGTERM, its drain, then the new process")
            var restart = HostsReport.Window(start: Date())
            let live = try await Self.openStreams(url, logger: logger)
            _ = await processes.stop(serve.name, grace: .seconds(60))
            let stopped = Date()
            try processes.start(serve.name)
            let ready = await Self.ready("http://\(serve.address):\(Self.port)", within: .seconds(60))
            restart.end = Date()
            report.restarts.append(restart)
            let drained = String(format: "%.1f", stopped.timeIntervalSince(restart.start ?? stopped))
            let back = String(format: "%.1f", (restart.end ?? stopped).timeIntervalSince(stopped))
            progress("  \(serve.name) drained in \(drained) s (\(live) conversations open at its SIGTERM), ready again \(back) s later")
            if !ready { report.violations.append("\(serve.name) was not ready within 60 s of its restart") }
            // HAProxy's checks (every second, 2 to rise) send it calls again before the next one drains.
            try await Task.sleep(for: .seconds(4))
        }

        var chaos = ChaosReport(settings: .init())
        try await stack.finish(
            campaignID: campaignID,
            url: url,
            within: .seconds(settings.settleSeconds),
            processes: processes,
            rate: settings.rate,
            into: &chaos,
            logger: logger,
            progress: progress
        )
        report.settled = chaos.settled
        report.violations += chaos.violations
        report.counts = chaos
        try await HostsInvariants(url: url, logger: logger).check(twilio: stack.twilio, into: &report)
        return report
    }

    /// HAProxy on its host, each `dialer serve` and `dialer worker` on its own, each with its
    /// relay to the Sandbox Twilio.
    func specs(directory: String, twilioPort: Int) throws -> [DialerProcesses.Spec] {
        let configuration = "\(directory)/haproxy.cfg"
        try HAProxy.configuration(listen: "\(Self.balancer.address):\(Self.port)", servers: Self.serves.map { "\($0.address):\(Self.port)" })
            .write(toFile: configuration, atomically: true, encoding: .utf8)
        let relay = "\(directory)/twilio-relay.cfg"
        try HAProxy.relay(listen: "127.0.0.1:\(twilioPort)", to: "\(HostNetwork.selfAddress):\(twilioPort)")
            .write(toFile: relay, atomically: true, encoding: .utf8)
        let relays = (Self.serves + Self.workers).map { host in
            DialerProcesses.Spec(name: "relay-\(host.name)", arguments: host.command(HAProxy.executable, ["-f", relay, "-db"]))
        }
        let dialer = DialerBinary.url.path
        return [.init(name: "lb", arguments: Self.balancer.command(HAProxy.executable, ["-f", configuration, "-db"]))] + relays
            + Self.serves.map { serve in
                .init(
                    name: serve.name,
                    arguments: serve.command(
                        dialer,
                        ["serve", "--hostname", serve.address, "--port", "\(Self.port)", "--drain-timeout", "20"]
                    )
                )
            }
            + Self.workers.map { worker in
                .init(name: worker.name, arguments: worker.command(dialer, ["worker", "--lease", "\(settings.lease)", "--concurrency", "60"]))
            }
    }

    /// True once `base`/readyz answers 200.
    static func ready(_ base: String, within limit: Duration) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            let status = try? await HTTPClient.shared.execute(HTTPClientRequest(url: base + "/readyz"), timeout: .seconds(2)).status.code
            if status == 200 { return true }
            try? await Task.sleep(for: .milliseconds(200))
        }
        return false
    }

    /// Media streams open now, on every serve host: conversations going on.
    static func openStreams(_ url: DatabaseURL, logger: Logger) async throws -> Int {
        try await Database.run(url: url, maxConnections: 1, logger: logger) { db in
            try await db.client.query("SELECT count(*)::int FROM dialer.media_streams WHERE ended_at IS NULL", logger: logger)
                .decode(Int.self).reduce(0) { $1 }
        }
    }
}

/// The load balancer: Debian's HAProxy, in front of the `dialer serve` hosts (and, in TCP
/// mode, each dialer host's relay to the Sandbox Twilio).
enum HAProxy {
    static let executable = "/usr/sbin/haproxy"

    /// Every connection to `listen` passed on to `to`, byte for byte.
    static func relay(listen: String, to target: String) -> String {
        """
        defaults
            mode tcp
            timeout connect 5s
            timeout client 1h
            timeout server 1h
        frontend relay
            bind \(listen)
            default_backend sandbox
        backend sandbox
            server sandbox \(target)

        """
    }

    /// Round robin over `servers`, each checked on `/readyz` every second (down after 2
    /// failures, up after 2 successes: a draining serve answers 503 and gets no new calls; 3 s
    /// to answer, as a serve busy with conversations may be slow to);
    /// an upgraded WebSocket (the media stream) is a tunnel that may stay open an hour.
    static func configuration(listen: String, servers: [String]) -> String {
        """
        global
            maxconn 4096
        defaults
            mode http
            timeout connect 5s
            timeout client 60s
            timeout server 60s
            timeout tunnel 1h
        frontend dialer
            bind \(listen)
            default_backend serve
        backend serve
            balance roundrobin
            option httpchk GET /readyz
            timeout check 3s
            default-server inter 1s fall 2 rise 2
        \(servers.enumerated().map { "    server serve-\($0.offset + 1) \($0.element) check" }.joined(separator: "\n"))

        """
    }
}
