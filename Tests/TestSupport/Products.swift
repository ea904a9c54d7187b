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
public final class ChildProcess: @unchecked Sendable {
    public let process = Process()
    private let output = Pipe()
    private let lock = NSLock()
    private var buffer = Data()

    public init(_ executable: URL, arguments: [String] = [], environment: [String: String] = [:]) {
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.standardOutput = output
        process.standardError = output
        output.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self else { return }
            self.lock.lock()
            self.buffer.append(data)
            self.lock.unlock()
        }
    }

    public func start() throws { try process.run() }

    /// Everything the child wrote to stdout and stderr so far.
    public var text: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: buffer, as: UTF8.self)
    }

    public func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// Waits for exit, up to `timeout`; returns the exit status, or nil if it is still running.
    public func wait(timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        return process.isRunning ? nil : process.terminationStatus
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        output.fileHandleForReading.readabilityHandler = nil
    }
}

/// Polls `condition` until it is true or `timeout` passes; returns whether it became true.
public func eventually(timeout: Duration = .seconds(10), every interval: Duration = .milliseconds(25), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: interval)
    }
    return try await condition()
}
