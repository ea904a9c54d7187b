import Queue
import Synchronization
import TestSupport
import Testing

/// `withDeadline` and `Abandonable`: a call stuck where cancellation does not reach it (a
/// Postgres request lost across a restart) is left behind, and its waiter goes on.
@Suite struct DeadlineTests {
    struct Refused: Error {}

    @Test func aStuckOperationIsAbandonedAtItsDeadlineAndItsWaiterGoesOn() async throws {
        let stuck = StuckWait()
        let finishedLate = Atomic<Bool>(false)
        let clock = ContinuousClock.now
        await #expect(throws: DeadlineExceeded.self) {
            try await withDeadline(.milliseconds(300), "a lost request") {
                await stuck.wait()
                finishedLate.store(true, ordering: .relaxed)
                return 1
            }
        }
        let waited = ContinuousClock.now - clock
        #expect(waited >= .milliseconds(300) && waited < .seconds(3), "\(waited)")
        stuck.release()
        // The work ran on, detached, and its result went nowhere.
        #expect(await eventually(timeout: .seconds(2)) { finishedLate.load(ordering: .relaxed) })
    }

    @Test func aResultOrAnErrorBeforeTheDeadlineIsReturnedAsItCame() async throws {
        #expect(try await withDeadline(.seconds(5), "a quick one") { 42 } == 42)
        await #expect(throws: Refused.self) { try await withDeadline(.seconds(5), "a refused one") { throw Refused() } }
    }

    @Test func abandoningAfterTheWorkEndedChangesNothing() async throws {
        let work = Abandonable { 7 }
        let result = await work.wait()
        #expect(try result?.get() == 7)
        #expect(work.abandon() == false)
    }
}
