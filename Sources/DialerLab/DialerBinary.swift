import Foundation

/// The production binary the lab runs as child processes: `dialer` in the products directory
/// this binary was built into, or `$DIALER_BINARY`. The lab breaks it from outside; it never
/// runs a copy of its code under another name.
enum DialerBinary {
    static var url: URL {
        if let path = ProcessInfo.processInfo.environment["DIALER_BINARY"], !path.isEmpty { return URL(fileURLWithPath: path) }
        return URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("dialer")
    }

    /// This binary, for the lab's own children (the pacing worker, the queue benchmark's drainers).
    static var lab: URL { URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath() }
}
