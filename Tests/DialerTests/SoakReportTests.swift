import Foundation
import Testing

@testable import DialerLab

/// How `dialer-lab bench soak` judges memory, and the processes it reads it from.
@Suite struct SoakReportTests {
    static func report(serve: [Int], worker: [Int]) -> SoakReport {
        var report = SoakReport(settings: .init(), postgres: [], logDirectory: "/tmp")
        report.windows = zip(serve, worker).enumerated().map { index, megabytes in
            var window = SoakReport.Window(index: index)
            window.serveBytes = [megabytes.0 << 20, megabytes.0 << 20]
            window.workerBytes = [megabytes.1 << 20]
            window.latenciesMs = [1, 2, 3]
            return window
        }
        return report
    }

    @Test func memoryIsJudgedFromTheSecondWindowToTheLast() {
        // The first window (start-up) may be far below; a few MB of drift is flat.
        #expect(Self.report(serve: [40, 100, 104, 108], worker: [30, 80, 85, 90]).memoryFlat)
        #expect(Self.report(serve: [40, 300, 300, 310], worker: [30, 80, 80, 80]).memoryFlat)
        // Growing: the service 100 → 140 MB, or the worker 80 → 120 MB.
        #expect(!Self.report(serve: [40, 100, 120, 140], worker: [30, 80, 80, 80]).memoryFlat)
        #expect(!Self.report(serve: [40, 100, 100, 100], worker: [30, 80, 100, 120]).memoryFlat)
        // Too few windows to say.
        #expect(!Self.report(serve: [40, 100], worker: [30, 80]).memoryFlat)
        #expect(
            Self.report(serve: [40, 100, 140], worker: [30, 80, 80]).text.contains(
                "dialer serve 100.0 -> 140.0 MB, dialer worker 80.0 -> 80.0 MB: GROWING"
            )
        )
    }

    /// The Sandbox logs creates in the process that also sends the callbacks: the report says
    /// so, beside the dialer's own slots.
    @Test func theReportGivesTheBusiestSecondOfSlotsAndSandboxCreates() {
        var report = Self.report(serve: [40, 100], worker: [30, 80])
        report.callsPlaced = 2_414
        (report.busiestSlotSecond, report.busiestDialingSecond) = (10, 13)
        #expect(
            report.text.contains(
                "dialing: 2414 calls placed at 10/s; busiest second: 10 rate slots (each POST leaves at its slot or not at all), 13 creates as the Sandbox Twilio logged them"
            ),
            "\(report.text)"
        )
    }

    @Test func residentMemoryIsReadFromProcWhileTheChildRuns() async throws {
        let processes = DialerProcesses(
            executable: URL(fileURLWithPath: "/bin/sleep"),
            environment: [:],
            directory: NSTemporaryDirectory(),
            specs: [.init(name: "sleeper", arguments: ["30"])]
        )
        try processes.startAll()
        try await Task.sleep(for: .milliseconds(200))  // past its exec
        let bytes = try #require(processes.residentBytes("sleeper"))
        #expect(bytes > 0 && bytes < 100_000_000)
        #expect(await processes.kill("sleeper"))
        #expect(processes.residentBytes("sleeper") == nil)
        #expect(processes.residentBytes("nobody") == nil)
    }
}
