import Demo
import DialerServices
import Foundation
import Synchronization

/// `dialer worker` and `dialer serve` as child processes, each with its output in a log file
/// of its own: what `dialer-lab chaos` kills and starts again, and what `dialer-lab bench soak` loads
/// and watches.
final class DialerProcesses: Sendable {
    struct Spec: Sendable {
        let name: String
        let arguments: [String]
    }

    private let executable: URL
    private let environment: [String: String]
    private let directory: String
    private let specs: [Spec]
    /// The children by name; once `closed` (an interrupt), none is started again.
    private struct Children {
        var running: [String: Process] = [:]
        var closed = false
    }

    private let children = Mutex(Children())
    private let starts = Mutex<[String: Int]>([:])
    private let cleanup = Mutex<UUID?>(nil)

    init(executable: URL, environment: [String: String], directory: String, specs: [Spec]) {
        self.executable = executable
        self.environment = environment
        self.directory = directory
        self.specs = specs
    }

    deinit {
        if let id = cleanup.withLock({ $0 }) { InterruptCleanup.shared.remove(id) }
    }

    /// Children must not outlive an interrupted run, nor be started while it ends: the run
    /// may be between a kill and the start that follows when the interrupt comes.
    private func killAllOnInterrupt() {
        cleanup.withLock { id in
            guard id == nil else { return }
            id = InterruptCleanup.shared.add { [weak self] in
                let processes: [Process] =
                    self?.children.withLock { children in
                        children.closed = true
                        return Array(children.running.values)
                    } ?? []
                for process in processes where process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
                // Gone before this process exits, not still tearing down.
                let deadline = Date().addingTimeInterval(5)
                while processes.contains(where: \.isRunning), Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
            }
        }
    }

    private var running: [String: Process] { children.withLock { $0.running } }

    var names: [String] { specs.map(\.name) }

    func startAll() throws {
        for spec in specs { try start(spec.name) }
    }

    func start(_ name: String) throws {
        guard let spec = specs.first(where: { $0.name == name }) else { return }
        killAllOnInterrupt()
        let process = Process()
        process.executableURL = executable
        process.arguments = spec.arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let count = starts.withLock { counts -> Int in
            counts[name, default: 0] += 1
            return counts[name]!
        }
        let log = "\(directory)/\(name).\(count).log"
        FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        defer { try? handle.close() }
        try children.withLock { children in
            guard !children.closed else { return }
            try process.run()
            children.running[name] = process
        }
    }

    /// SIGKILLs one process and waits (5 s at most) to see it gone; true when it was running.
    /// Polled rather than `waitUntilExit()`, which would block a thread of the concurrency
    /// pool (two on these machines) for as long as the exit takes to be noticed.
    func kill(_ name: String) async -> Bool {
        guard let process = running[name], process.isRunning else { return false }
        Foundation.kill(process.processIdentifier, SIGKILL)
        let deadline = ContinuousClock.now + .seconds(5)
        while process.isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        return true
    }

    /// Processes that died without being killed (a crash), which are started again.
    func restartDead() throws -> [String] {
        let dead = running.filter { !$0.value.isRunning }.map(\.key)
        for name in dead { try start(name) }
        return dead
    }

    /// SIGTERM to one process, and its exit awaited, SIGKILL after `grace`: a drain, as a
    /// deploy stops it. False when it was not running.
    func stop(_ name: String, grace: Duration) async -> Bool {
        guard let process = running[name], process.isRunning else { return false }
        process.terminate()
        let deadline = ContinuousClock.now + grace
        while process.isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
        return true
    }

    /// SIGTERM to every process, then SIGKILL to any still running after `grace`.
    func stopAll(grace: Duration = .seconds(10)) async {
        let processes = Array(running.values)
        for process in processes where process.isRunning { process.terminate() }
        let deadline = ContinuousClock.now + grace
        while processes.contains(where: \.isRunning), ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(100))
        }
        for process in processes where process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
    }

    var startCounts: [String: Int] { starts.withLock { $0 } }

    /// The process's resident memory, from /proc (Linux), in bytes; nil when it is not running.
    func residentBytes(_ name: String) -> Int? {
        guard let process = running[name], process.isRunning else { return nil }
        return Self.residentBytes(pid: process.processIdentifier)
    }

    /// Any process's resident memory (VmRSS in /proc/PID/status), in bytes.
    static func residentBytes(pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
        else { return nil }
        return kilobytes * 1024
    }
}
