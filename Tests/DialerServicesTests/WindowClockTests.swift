import Foundation
import Testing

@testable import DialerServices

/// `DIALER_WINDOW_CLOCK_START` moves the quiet hours, so it must be refused anywhere but the
/// loopback Sandbox, and must run from the instant it names.
@Suite struct WindowClockTests {
    @Test func startsAtTheNamedInstantAndRuns() throws {
        let clock = try WorkerConfiguration.windowClock([
            "DIALER_WINDOW_CLOCK_START": "2026-12-07T20:00:00Z", "TWILIO_BASE_URL": "http://127.0.0.1:8123",
        ]).make()
        let first = clock()
        #expect(abs(first.timeIntervalSince(ISO8601DateFormatter().date(from: "2026-12-07T20:00:00Z")!)) < 1)
        Thread.sleep(forTimeInterval: 0.05)
        #expect(clock() > first)
    }

    @Test func withoutItTheClockIsTheWallClock() throws {
        let clock = try WorkerConfiguration.windowClock(["TWILIO_BASE_URL": "https://api.twilio.com"]).make()
        #expect(abs(clock().timeIntervalSinceNow) < 1)
    }

    @Test func refusedWithTheRealTwilio() {
        for base in ["https://api.twilio.com", "http://10.0.0.5:8080", ""] {
            #expect(throws: CommandFailure.self) {
                _ = try WorkerConfiguration.windowClock(["DIALER_WINDOW_CLOCK_START": "2026-12-07T20:00:00Z", "TWILIO_BASE_URL": base])
            }
        }
        var environment = ["DIALER_WINDOW_CLOCK_START": "2026-12-07T20:00:00Z"]
        #expect(throws: CommandFailure.self) { _ = try WorkerConfiguration.windowClock(environment) }
        environment["TWILIO_BASE_URL"] = "http://localhost:9"
        environment["DIALER_WINDOW_CLOCK_START"] = "tomorrow at noon"
        #expect(throws: CommandFailure.self) { _ = try WorkerConfiguration.windowClock(environment) }
    }
}
