import Backoff
import Testing

@Suite struct RetryBackoffTests {
    @Test func doublesFromTheBaseUpToTheCap() {
        let backoff = RetryBackoff(base: 1, factor: 2, cap: 60, jitter: 0)
        let schedule = (1...9).map { backoff.delay(afterAttempt: $0, unitRandom: 0.5) }
        #expect(schedule == [1, 2, 4, 8, 16, 32, 60, 60, 60])
    }

    @Test func jitterStaysWithinItsBandAndUnderTheCap() {
        let backoff = RetryBackoff(base: 10, factor: 2, cap: 100, jitter: 0.2)
        #expect(backoff.delay(afterAttempt: 1, unitRandom: 0) == 8)
        #expect(abs(backoff.delay(afterAttempt: 1, unitRandom: 0.999_999) - 12) < 0.001)
        #expect(backoff.delay(afterAttempt: 10, unitRandom: 0.999_999) == 100)
        for _ in 0..<1000 {
            let delay = backoff.delay(afterAttempt: 3)
            #expect(delay >= 32 && delay < 48)
        }
    }

    @Test func aFixedScheduleGivesItsStepsThenRepeatsTheLast() {
        let backoff = RetryBackoff(schedule: [5, 300, 1800], jitter: 0)
        #expect((1...5).map { backoff.delay(afterAttempt: $0, unitRandom: 0.5) } == [5, 300, 1800, 1800, 1800])
        let jittered = RetryBackoff(schedule: [5, 300], jitter: 0.1)
        #expect(jittered.delay(afterAttempt: 2, unitRandom: 0) == 270)
    }
}
