import Foundation
import PostgresNIO
import Store
import TestSupport
import Testing

@Suite struct CallRateLimiterTests {
    @Test func concurrentCallersNeverExceedTheRateInAnyOneSecondWindow() async throws {
        try await TestDatabase.withFresh(maxConnections: 12) { db, _ in
            let limiter = CallRateLimiter(database: db)
            let rate = 20.0
            // 4 callers (as 4 worker processes would) race for 80 slots over about 4 seconds,
            // each waiting for its slot before reserving the next.
            let starts = try await withThrowingTaskGroup(of: [Double].self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        var mine: [Double] = []
                        for _ in 0..<20 {
                            guard case .slot(let wait, let at) = try await limiter.reserve(key: "AC-test", callsPerSecond: rate, maxWait: .seconds(30)) else {
                                Issue.record("the limiter was full with 30 s of patience")
                                return mine
                            }
                            mine.append(at)
                            try await Task.sleep(for: wait)
                        }
                        return mine
                    }
                }
                return try await group.reduce(into: [Double]()) { $0 += $1 }
            }
            let sorted = starts.sorted()
            #expect(sorted.count == 80)
            // Any window of one second holds at most `rate` slots: the (rate+1)-th slot after any
            // slot is at least a second later, and consecutive slots are 1/rate apart.
            let r = Int(rate)
            let crowded = (0..<(sorted.count - r)).filter { sorted[$0 + r] - sorted[$0] < 1.0 - 1e-6 }
            #expect(zip(sorted, sorted.dropFirst()).allSatisfy { $1 - $0 >= 1 / rate - 1e-6 })
            #expect(crowded.isEmpty, "windows over the rate start at \(crowded)")
            // And the limiter does not starve: 80 calls at 20/s take about 4 seconds, not much more.
            #expect(sorted.last! - sorted.first! < 6)
        }
    }

    @Test func slotsAreSpacedByTheEmissionIntervalAndAFullLimiterSaysHowFarAhead() async throws {
        try await TestDatabase.withFresh { db, _ in
            let limiter = CallRateLimiter(database: db)
            var slots: [Double] = []
            for _ in 0..<5 {
                guard case .slot(_, let at) = try await limiter.reserve(key: "AC1", callsPerSecond: 2, maxWait: .seconds(3)) else {
                    Issue.record("full too early")
                    return
                }
                slots.append(at)
            }
            // 2 calls/s: each slot exactly half a second after the one before.
            for (index, slot) in slots.enumerated() {
                #expect(abs(slot - slots[0] - 0.5 * Double(index)) < 0.001, "slot \(index) at +\(slot - slots[0]) s")
            }
            // Reservations now reach 2.5 s ahead; with 1 s of patience the limiter is full.
            guard case .full(let backlog) = try await limiter.reserve(key: "AC1", callsPerSecond: 2, maxWait: .seconds(1)) else {
                Issue.record("a caller that will not wait 2.5 s got a slot")
                return
            }
            #expect(backlog.seconds > 1 && backlog.seconds <= 2.5)
            // Another account has its own limiter.
            guard case .slot(let other, _) = try await limiter.reserve(key: "AC2", callsPerSecond: 2, maxWait: .seconds(1)) else {
                Issue.record("another account's limiter was full")
                return
            }
            #expect(other == .zero)
        }
    }

    @Test func aReservedSlotIsSpentEvenIfTheCallerDiesBeforeUsingIt() async throws {
        try await TestDatabase.withFresh { db, _ in
            let limiter = CallRateLimiter(database: db)
            guard case .slot(_, let first) = try await limiter.reserve(key: "AC1", callsPerSecond: 1, maxWait: .seconds(10)) else {
                Issue.record("no slot")
                return
            }
            // The caller "crashes" here without using its slot; the next caller still comes a full interval later.
            guard case .slot(_, let second) = try await limiter.reserve(key: "AC1", callsPerSecond: 1, maxWait: .seconds(10)) else {
                Issue.record("no slot")
                return
            }
            #expect(abs(second - first - 1.0) < 0.001)
        }
    }
}
