import Foundation
import Testing
import Worker

@Suite struct DatabaseClockTests {
    @Test func theShortestRoundTripSetsTheOffsetAndSlowReadingsAreIgnored() {
        let clock = DatabaseClock()
        let sent = Date(timeIntervalSince1970: 1000)
        #expect(clock.needsCalibration())
        #expect(clock.local(1000.5) == Date(timeIntervalSince1970: 1000.5))  // no reading: clocks taken as equal

        // The database is 250 ms ahead; a 10 ms round trip bounds the offset within 5 ms.
        clock.observe(databaseNow: 1000.255, sent: sent, received: sent.addingTimeInterval(0.010))
        #expect(abs(clock.offset - 0.250) < 1e-6)
        #expect(clock.needsCalibration())  // 10 ms is not a quick round trip
        // A 1 ms round trip is better and replaces it; a later 5 ms one does not.
        clock.observe(databaseNow: 1001.2505, sent: sent.addingTimeInterval(1), received: sent.addingTimeInterval(1.001))
        clock.observe(databaseNow: 1002.26, sent: sent.addingTimeInterval(2), received: sent.addingTimeInterval(2.005))
        #expect(abs(clock.offset - 0.250) < 1e-6)
        #expect(!clock.needsCalibration())
        // A slot at 1010.250 on the database's clock is at 1010.000 here.
        #expect(abs(clock.local(1010.250).timeIntervalSince1970 - 1010.0) < 1e-6)
        // A reading that waited half a second for a connection says nothing.
        clock.observe(databaseNow: 1003.9, sent: sent.addingTimeInterval(3), received: sent.addingTimeInterval(3.5))
        #expect(abs(clock.offset - 0.250) < 1e-6)
    }

    @Test func oldReadingsGiveWayToNewOnesSoDriftIsFollowed() async throws {
        let clock = DatabaseClock(maxAge: .milliseconds(50))
        let now = Date()
        clock.observe(databaseNow: now.timeIntervalSince1970 + 0.0005, sent: now, received: now.addingTimeInterval(0.001))
        try await Task.sleep(for: .milliseconds(80))
        #expect(clock.needsCalibration())
        clock.observe(databaseNow: now.timeIntervalSince1970 + 0.0215, sent: now, received: now.addingTimeInterval(0.003))
        #expect(abs(clock.offset - 0.020) < 1e-6)
    }

    @Test func oneCalibrationRunsAtATimeAndStopsAtAQuickReading() async throws {
        let clock = DatabaseClock()
        let reads = ReadCounter()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<20 {
                group.addTask { try await clock.calibrate { await reads.next() } }
            }
            try await group.waitForAll()
        }
        #expect(await reads.count == 1)
        #expect(!clock.needsCalibration())
    }
}

/// A database clock that answers at once, counting the readings.
actor ReadCounter {
    var count = 0

    func next() -> Double {
        count += 1
        return Date().timeIntervalSince1970
    }
}
