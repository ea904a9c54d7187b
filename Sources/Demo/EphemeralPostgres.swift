import Foundation

/// A throwaway PostgreSQL cluster in a temporary directory, reachable only on a unix socket:
/// what `dialer demo` runs on when no `DATABASE_URL` is given (as `ops/pgcluster` does for the
/// tests). initdb refuses to run as root, so as root the cluster runs as the `postgres` user.
public struct EphemeralPostgres: Sendable {
    public let directory: String

    /// The URL to reach it, for this process and for `psql`.
    public var url: String { "postgres://postgres@localhost/postgres?host=\(directory)" }
    public var psqlCommand: String { "psql -h \(directory) -U postgres -d postgres" }

    /// initdb and start; fsync stays on unless `fast`.
    public static func start(fast: Bool = false) throws -> EphemeralPostgres {
        let bin = try binDirectory()
        let directory = "/tmp/dialer-demo-pg.\(UUID().uuidString.prefix(8).lowercased())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let cluster = EphemeralPostgres(directory: directory)
        if getuid() == 0 { try run("/bin/chown", ["postgres:", directory]) }
        try cluster.asOwner("\(bin)/initdb", ["-D", "\(directory)/data", "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C"])
        var options = "-c listen_addresses='' -c unix_socket_directories='\(directory)' -c max_connections=300 -c shared_buffers=256MB"
        if fast { options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off" }
        try cluster.asOwner("\(bin)/pg_ctl", ["-D", "\(directory)/data", "-l", "\(directory)/postgres.log", "-o", options, "-w", "-t", "60", "start"])
        return cluster
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

    func asOwner(_ executable: String, _ arguments: [String]) throws {
        if getuid() == 0 {
            try Self.run("/usr/sbin/runuser", ["-u", "postgres", "--", executable] + arguments)
        } else {
            try Self.run(executable, arguments)
        }
    }

    static func run(_ executable: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        // Into a file, not a pipe: the server pg_ctl starts must not hold our pipe open.
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("dialer-demo-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: log) }
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        process.waitUntilExit()
        try? handle.close()
        guard process.terminationStatus == 0 else {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            throw DemoError("\(URL(fileURLWithPath: executable).lastPathComponent) failed: \(text.suffix(2000))")
        }
    }
}
