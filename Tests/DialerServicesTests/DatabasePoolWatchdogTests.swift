import DialerServices
import Foundation
import Store
import Synchronization
import TestSupport
import Testing

/// The watchdog ends a process only for a pool that stopped answering while Postgres answers:
/// not for a healthy pool, and not for an outage, which the pool is right to wait out.
@Suite struct DatabasePoolWatchdogTests {
    static func watchdog(_ db: Database, _ url: DatabaseURL) -> DatabasePoolWatchdog {
        var watchdog = DatabasePoolWatchdog(database: db, url: url, logger: TestDatabase.testLogger)
        watchdog.interval = .milliseconds(200)
        watchdog.probeTimeout = .milliseconds(500)
        watchdog.patience = .seconds(2)
        return watchdog
    }

    enum Outcome: Sendable {
        case stillRunning, returned
        case threw(any Error)
        var stillRunning: Bool { if case .stillRunning = self { true } else { false } }
        var threw: (any Error)? { if case .threw(let error) = self { error } else { nil } }
    }

    /// How the watchdog's run ended within `limit`, if it did (it is cancelled then).
    static func outcome(of watchdog: DatabasePoolWatchdog, within limit: Duration) async -> Outcome {
        let ended = Mutex<Outcome>(.stillRunning)
        let run = Task {
            do {
                try await watchdog.run()
                ended.withLock { $0 = .returned }
            } catch {
                ended.withLock { $0 = .threw(error) }
            }
        }
        let started = ContinuousClock.now
        while ContinuousClock.now - started < limit {
            try? await Task.sleep(for: .milliseconds(100))
            let now = ended.withLock { $0 }
            if !now.stillRunning { return now }
        }
        run.cancel()
        return .stillRunning
    }

    @Test func aPoolWhoseEveryConnectionIsHeldWhilePostgresAnswersEndsTheProcess() async throws {
        try await TestDatabase.withFresh(maxConnections: 2) { db, url in
            // Two requests that never give their connections back: nothing else gets through.
            let holders = (0..<2).map { _ in
                Task { try await db.client.withConnection { _ in try await Task.sleep(for: .seconds(60)) } }
            }
            defer { for holder in holders { holder.cancel() } }
            let started = ContinuousClock.now
            let ended = await Self.outcome(of: Self.watchdog(db, url), within: .seconds(20))
            #expect(ended.threw is DatabasePoolStopped, "\(ended)")
            #expect(ContinuousClock.now - started >= .seconds(1.5), "it waited out its patience")
        }
    }

    @Test func aHealthyPoolIsLeftAlone() async throws {
        try await TestDatabase.withFresh(maxConnections: 2) { db, url in
            let ended = await Self.outcome(of: Self.watchdog(db, url), within: .seconds(4))
            #expect(ended.stillRunning, "\(ended)")
        }
    }

    @Test func anOutageIsWaitedOutNotMistakenForAStoppedPool() async throws {
        try await TestDatabase.withFresh(maxConnections: 2) { db, url in
            // Both the pool and a new connection find nothing there (port 1: refused).
            let nowhere = try DatabaseURL("postgres://postgres@127.0.0.1:1/postgres")
            try await Database.run(url: nowhere, maxConnections: 2, logger: TestDatabase.testLogger) { down in
                let ended = await Self.outcome(of: Self.watchdog(down, nowhere), within: .seconds(5))
                #expect(ended.stillRunning, "\(ended)")
            }
            // The same watchdog on the live database's pool, for the contrast: still running too.
            #expect(await Self.outcome(of: Self.watchdog(db, url), within: .seconds(1)).stillRunning)
        }
    }

    @Test func thePatienceComesFromTheEnvironmentAndZeroTurnsItOff() async throws {
        try await TestDatabase.withFresh(maxConnections: 2) { db, url in
            func patience(_ environment: [String: String]) throws -> Duration? {
                try DatabasePoolWatchdog.fromEnvironment(environment, database: db, url: url, logger: TestDatabase.testLogger)?.patience
            }
            let byDefault = try patience([:])
            let set = try patience(["DIALER_POOL_PATIENCE": "90"])
            let off = try patience(["DIALER_POOL_PATIENCE": "0"])
            #expect(byDefault == .seconds(60))
            #expect(set == .seconds(90))
            #expect(off == nil)
            #expect(throws: CommandFailure.self) { try patience(["DIALER_POOL_PATIENCE": "soon"]) }
        }
    }
}
