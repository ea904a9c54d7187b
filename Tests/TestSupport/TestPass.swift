import Foundation
import Testing

/// Which of `ops/test`'s passes is running, from `DIALER_TEST_PASS`.
///
/// Most suites share one parallel pass. A suite that runs in real time (20 ms audio frames,
/// a call rate judged by the Sandbox's clock, one-second timeouts), drives child processes,
/// or loads both cores for seconds is marked `.runsAlone(…)`: the shared pass skips it, and
/// `ops/test` finds the marks (`ops/test-marked`) and runs each marked suite in a pass of its
/// own, so that one suite's load never eats another's timing margins.
public enum TestPass: String, Sendable {
    /// `DIALER_TEST_PASS=shared`: everything not marked.
    case shared
    /// `DIALER_TEST_PASS=alone`: a marked suite, chosen by `--filter`.
    case alone

    /// Unset when a developer runs `swift test --filter …` by hand: then everything runs.
    public static var current: TestPass? {
        ProcessInfo.processInfo.environment["DIALER_TEST_PASS"].flatMap(TestPass.init(rawValue:))
    }
}

extension Trait where Self == ConditionTrait {
    /// Marks a suite (or one test) that must run with nothing else beside it; `why` says
    /// what it is sensitive to or what it loads. `ops/test-marked` lists the marked names.
    public static func runsAlone(_ why: Comment) -> Self {
        .enabled(if: TestPass.current != .shared, why)
    }
}
