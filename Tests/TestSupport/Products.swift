import Foundation

/// The executables this package builds, for tests that run them as child processes.
public enum Products {
    /// The build products directory (where `dialer` and the test bundle live).
    public static let directory: URL = {
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        // From the test binary (inside a .xctest bundle on some platforms) up to the products directory.
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("dialer").path) { return url }
        }
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    }()

    public static func path(_ name: String) -> URL { directory.appendingPathComponent(name) }
}

/// A child process the test owns: started with an environment, read, signalled, awaited.
///
/// Its output is read to end of file on a thread of its own, and `wait` returns only once all
/// of it is in: a test that reads `text` after the exit sees everything the child wrote.
public final class ChildProcess: @unchecked Sendable {
    public let process = Process()
    private let output = Pipe()
    private let lock = NSLock()
    private var buffer = Data()
    private var outputComplete = false

    public init(_ executable: URL, arguments: [String] = [], environment: [String: String] = [:]) {
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.standardOutput = output
        process.standardError = output
    }

    public func start() throws {
        try process.run()
        // Our copy of the write end must close, or the reader never sees end of file.
        try? output.fileHandleForWriting.close()
        let reader = output.fileHandleForReading
        Thread.detachNewThread { [self] in
            while true {
                let data = reader.availableData
                lock.lock()
                if data.isEmpty { outputComplete = true } else { buffer.append(data) }
                lock.unlock()
                if data.isEmpty { return }
            }
        }
    }

    /// Everything the child wrote to stdout and stderr so far.
    public var text: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: buffer, as: UTF8.self)
    }

    public func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// The child's resident memory (VmRSS in /proc/PID/status), in bytes; nil once it is gone.
    public var residentBytes: Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
        else { return nil }
        return kilobytes * 1024
    }

    /// Waits for exit and for all its output, up to `timeout`; returns the exit status, or nil
    /// if it is still running.
    public func wait(timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        guard !process.isRunning else { return nil }
        let drained = ContinuousClock.now + .seconds(5)
        while !isOutputComplete && ContinuousClock.now < drained {
            try? await Task.sleep(for: .milliseconds(5))
        }
        return process.terminationStatus
    }

    private var isOutputComplete: Bool {
        lock.lock()
        defer { lock.unlock() }
        return outputComplete
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

/// Polls `condition` until it is true or `timeout` passes; returns whether it became true. The
/// default bound is generous: a wait costs its length only when the condition never holds, and
/// a loaded test machine (the main pass runs 80 suites at once) can take seconds to get there.
public func eventually(
    timeout: Duration = .seconds(30),
    every interval: Duration = .milliseconds(25),
    _ condition: () async throws -> Bool
) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: interval)
    }
    return try await condition()
}
