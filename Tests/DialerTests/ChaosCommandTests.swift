import Foundation
import TestSupport
import Testing

/// `dialer-lab chaos` as CI runs it: whatever happens, it ends, and leaves nothing running.
@Suite(.runsAlone("child processes: a whole chaos run with its own cluster")) struct ChaosCommandTests {
    /// A run stuck anywhere must not hold CI until its timeout (one did, after its campaign had
    /// settled): past its bound it says where it was, kills its children, removes its cluster
    /// and exits 3.
    /// The bound leaves the run time to start its cluster and children first (8 s did not, with
    /// the other DialerTests suites loading both cores), so that there is something to clean up.
    @Test func aRunPastItsBoundGivesUpAndLeavesNothingRunning() async throws {
        let chaos = ChildProcess(Products.path("dialer-lab"), arguments: ["chaos", "--contacts", "50", "--seconds", "60", "--give-up-after", "20"])
        try chaos.start()
        defer { chaos.signal(SIGKILL) }
        #expect(await chaos.wait(timeout: .seconds(60)) == 3, "\(chaos.text)")
        #expect(chaos.text.contains("chaos: still running after 20 s, last step"), "\(chaos.text)")
        let line = try #require(chaos.text.split(separator: "\n").first { $0.hasPrefix("throwaway cluster at ") }, "\(chaos.text)")
        let cluster = try #require(line.split(separator: " ").dropFirst(3).first.map { String($0.dropLast()) })
        #expect(!FileManager.default.fileExists(atPath: cluster), "the cluster \(cluster) was not removed")
        // The run's children have the cluster in their environment, its servers in their arguments.
        let left = Self.processes(mentioning: cluster).map { pid in
            FileManager.default.contents(atPath: "/proc/\(pid)/cmdline").map { String(decoding: $0, as: UTF8.self) } ?? "\(pid)"
        }
        #expect(left.isEmpty, "processes left running: \(left)")
    }

    static func processes(mentioning text: String) -> [Int32] {
        let pids = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { Int32($0) }
        return pids.filter { pid in
            ["environ", "cmdline"].contains { file in
                FileManager.default.contents(atPath: "/proc/\(pid)/\(file)").map { String(decoding: $0, as: UTF8.self).contains(text) } ?? false
            }
        }
    }
}
