import Foundation

/// A throwaway PostgreSQL cluster in a temporary directory, reachable only on a unix socket:
/// what `dialer-lab demo` runs on when no `DATABASE_URL` is given (as `ops/pgcluster` does for the
/// tests). initdb refuses to run as root, so as root the cluster runs as the `postgres` user.
public struct EphemeralPostgres: Sendable {
    public let directory: String
    /// The private address it also listens on, in the network namespace it runs in
    /// (`dialer-lab hosts`); nil: the unix socket only.
    public var host: (namespace: String, address: String)?

    /// The URL to reach it, for this process and for `psql`.
    public var url: String {
        if let host { return "postgres://postgres@\(host.address):5432/postgres?sslmode=disable" }
        return "postgres://postgres@localhost/postgres?host=\(directory)"
    }
    public var psqlCommand: String { "psql -h \(directory) -U postgres -d postgres" }

    /// initdb and start; fsync stays on unless `fast`. With `host`, the server runs in that
    /// network namespace and listens on its address too, trusting the address's /24.
    public static func start(fast: Bool = false, host: (namespace: String, address: String)? = nil) throws -> EphemeralPostgres {
        let bin = try binDirectory()
        let directory = "/tmp/dialer-demo-pg.\(UUID().uuidString.prefix(8).lowercased())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let cluster = EphemeralPostgres(directory: directory, host: host)
        if getuid() == 0 { try run("/bin/chown", ["postgres:", directory]) }
        try cluster.asOwner("\(bin)/initdb", ["-D", "\(directory)/data", "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C"])
        if let host {
            let network = host.address.split(separator: ".").prefix(3).joined(separator: ".") + ".0/24"
            let rules = try FileHandle(forWritingTo: URL(fileURLWithPath: "\(directory)/data/pg_hba.conf"))
            try rules.seekToEnd()
            try rules.write(contentsOf: Data("host all all \(network) trust\n".utf8))
            try rules.close()
        }
        var options =
            "-c listen_addresses='\(host?.address ?? "")' -c unix_socket_directories='\(directory)' -c max_connections=300 -c shared_buffers=256MB"
        if fast { options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off" }
        try cluster.asOwner(
            "\(bin)/pg_ctl",
            ["-D", "\(directory)/data", "-l", "\(directory)/postgres.log", "-o", options, "-w", "-t", "60", "start"]
        )
        return cluster
    }

    /// A cluster for the length of `body`, stopped and removed afterwards, and also if the
    /// process is interrupted meanwhile (`InterruptCleanup`).
    public static func with<Result: Sendable>(
        fast: Bool = false,
        host: (namespace: String, address: String)? = nil,
        _ body: (EphemeralPostgres) async throws -> Result
    ) async throws -> Result {
        let cluster = try start(fast: fast, host: host)
        let cleanup = InterruptCleanup.shared.add { cluster.stop() }
        defer {
            InterruptCleanup.shared.remove(cleanup)
            cluster.stop()
        }
        return try await body(cluster)
    }

    /// Fast shutdown, then start again with the same settings: every connection is cut.
    public func restart() throws {
        let bin = try Self.binDirectory()
        try asOwner("\(bin)/pg_ctl", ["-D", "\(directory)/data", "-l", "\(directory)/postgres.log", "-m", "fast", "-w", "-t", "60", "restart"])
    }

    /// Fast shutdown, then the directory is removed.
    public func stop() {
        if let bin = try? Self.binDirectory() {
            try? asOwner("\(bin)/pg_ctl", ["-D", "\(directory)/data", "-m", "fast", "-w", "-t", "60", "stop"])
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// The command that stops a cluster left running (`--keep`).
    public var stopCommand: String {
        let pgctl = ((try? Self.binDirectory()) ?? "/usr/lib/postgresql/15/bin") + "/pg_ctl"
        let command = "\(pgctl) -D \(directory)/data -m fast stop && rm -rf \(directory)"
        return getuid() == 0 ? "runuser -u postgres -- \(pgctl) -D \(directory)/data -m fast stop && rm -rf \(directory)" : command
    }

    static func binDirectory() throws -> String {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [])
            .compactMap(Int.init).sorted()
        guard let version = versions.last, FileManager.default.fileExists(atPath: "\(root)/\(version)/bin/initdb") else {
            throw DemoError("no PostgreSQL server found under \(root): run ops/bootstrap, or set DATABASE_URL")
        }
        return "\(root)/\(version)/bin"
    }

    /// As the `postgres` user when this process is root, and in the cluster's namespace.
    func asOwner(_ executable: String, _ arguments: [String]) throws {
        var command = getuid() == 0 ? ["/usr/sbin/runuser", "-u", "postgres", "--", executable] + arguments : [executable] + arguments
        if let host { command = ["/usr/sbin/ip", "netns", "exec", host.namespace] + command }
        try Self.run(command[0], Array(command.dropFirst()))
    }

    /// Runs a command to its end, its output in a file shown only when it fails. Spawned
    /// directly rather than through Foundation's Process, whose exit watch is inherited by the
    /// server pg_ctl starts and would wait for the server, not for pg_ctl; and with every
    /// descriptor above 2 closed, so the server inherits nothing of ours.
    static func run(_ executable: String, _ arguments: [String]) throws {
        let log = "/tmp/dialer-demo-\(UUID().uuidString).log"
        defer { unlink(log) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // Nothing of this process's beyond the standard three: a server pg_ctl starts would
        // otherwise hold our sockets open for its whole life (a port stays bound after we close
        // it, a peer never sees our close), and the pipes Foundation's Process watches for its
        // children's exits.
        // (posix_spawn_file_actions_addclosefrom_np is not in Swift's Glibc module.)
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd"))?.compactMap { Int32($0) } ?? []
        for descriptor in open where descriptor > 2 { posix_spawn_file_actions_addclose(&actions, descriptor) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard spawned == 0 else { throw DemoError("could not start \(executable): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            throw DemoError("\(URL(fileURLWithPath: executable).lastPathComponent) failed: \(text.suffix(2000))")
        }
    }
}
