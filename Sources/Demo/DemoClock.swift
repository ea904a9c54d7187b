import Backoff
import Foundation
import Queue
import Store
import Synchronization
import Worker

/// The demo's accelerated clock: calling windows are checked against it, so contacts whose
/// local time is before 08:00 wait for their morning in seconds instead of hours, and the
/// whole campaign runs in about a minute. It starts at a fixed local time on the US East
/// Coast (11:30 by default: the Eastern, Central and Mountain zones are open, Alaska and
/// Hawaii are not) and runs `factor` times faster than real time.
public struct DemoClock: Sendable {
    public let factor: Double
    let realStart: Date
    let demoStart: Date

    public init(factor: Double, easternHour: Int = 11, minute: Int = 30, realStart: Date = Date()) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "America/New_York")!
        var components = calendar.dateComponents([.year, .month, .day], from: realStart)
        components.hour = easternHour
        components.minute = minute
        self.factor = factor
        self.realStart = realStart
        demoStart = calendar.date(from: components) ?? realStart
    }

    /// The demo's time now.
    public func now() -> Date { demoTime(at: Date()) }

    /// The demo's time at a real instant.
    public func demoTime(at real: Date) -> Date {
        demoStart.addingTimeInterval(real.timeIntervalSince(realStart) * factor)
    }

    /// A wait in demo time, as the queue must wait it in real time.
    public func real(_ demo: Duration) -> Duration {
        .milliseconds(Int64(demo.seconds * 1000 / factor))
    }
}

/// Runs a PlaceCall handler on the demo clock: a snooze to the next calling window (anything
/// past a minute; the others are seconds of pacing) is waited in real time, shortened by the
/// clock's factor. Counts the contacts waiting for their window, for the progress display.
public final class DemoWindowHandler: JobHandler {
    let inner: any JobHandler
    let clock: DemoClock
    private let waiting = Mutex<Set<Int64>>([])

    public init(_ inner: any JobHandler, clock: DemoClock) {
        self.inner = inner
        self.clock = clock
    }

    public var kind: String { inner.kind }
    public var backoff: RetryBackoff { inner.backoff }

    public func run(_ job: Job) async throws -> JobOutcome {
        let outcome = try await inner.run(job)
        guard case .snoozed(let wait) = outcome, wait > .seconds(60) else {
            _ = waiting.withLock { $0.remove(job.id) }
            return outcome
        }
        _ = waiting.withLock { $0.insert(job.id) }
        return .snoozed(max(clock.real(wait), .milliseconds(500)))
    }

    /// Jobs snoozed until their contact's calling window opens.
    public var waitingForWindow: Int { waiting.withLock { $0.count } }
}
