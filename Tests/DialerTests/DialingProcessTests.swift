import Foundation
import PostgresNIO
import Sandbox
import Store
import TestSupport
import Testing
import Twilio

@testable import DialerLab

/// PlaceCall jobs run by real `dialer worker` processes against the Sandbox Twilio.
///
/// The pacing test measures time at the Sandbox, so `ops/test` runs this suite on its own,
/// after the others, and its tests one at a time.
@Suite(.serialized, .runsAlone("timing: a call rate judged by when the Sandbox saw each call")) struct DialingProcessTests {
    static func worker(
        _ url: DatabaseURL,
        _ twilio: TwilioConfiguration,
        rate: Double,
        environment: [String: String] = [:],
        concurrency: Int = 20
    ) -> ChildProcess {
        ChildProcess(
            Products.path("dialer"),
            arguments: ["worker", "--lease", "2", "--concurrency", "\(concurrency)", "--shutdown-deadline", "5"],
            environment: [
                "DATABASE_URL": url.connectionString, "LOG_LEVEL": "warning",
                "TWILIO_ACCOUNT_SID": twilio.accountSID, "TWILIO_AUTH_TOKEN": twilio.secret, "TWILIO_BASE_URL": twilio.baseURL,
                "TWILIO_CALLS_PER_SECOND": "\(rate)", "DIALER_PUBLIC_URL": "http://127.0.0.1:9",
            ].merging(environment) { _, new in new }
        )
    }

    static func count(_ db: Database, _ sql: PostgresQuery) async throws -> Int { try await db.scalar(sql, as: Int.self) }

    @Test func fourWorkerProcessesNeverPutMoreCallsThanTheRateInAnySlidingSecond() async throws {
        try await TestDatabase.withFresh { db, url in
            try await withSandboxTwilio(configure: { $0.simulatesCalls = false }) { sandbox, twilio in
                let rate = 10.0
                let contacts = 40
                _ = try await db.seedDialableCampaign(name: "pacing", contacts: contacts, ratePerSecond: 100)
                // The suites run in parallel on two cores: the jitter between a slot and the
                // Sandbox seeing the call reaches tens of milliseconds here, against 1-5 ms on
                // a quiet machine (docs/BENCHMARKS.md, default headroom). 4% keeps 40 ms of margin.
                let workers = (0..<4).map { _ in Self.worker(url, twilio, rate: rate, environment: ["DIALER_RATE_HEADROOM": "0.04"]) }
                for worker in workers { try worker.start() }
                defer { for worker in workers { worker.signal(SIGTERM) } }
                let done = try await eventually(timeout: .seconds(60)) { sandbox.callCreateInstants.count == contacts }
                #expect(done, "\(workers.map(\.text).joined(separator: "\n"))")

                let instants = sandbox.callCreateInstants
                #expect(RateWindow.busiest(instants) <= Int(rate), "windows above the rate: \(RateWindow.windowsAbove(Int(rate), instants))")
                // The limiter paces; it does not starve: 40 calls at 10/s (less 4%) span about 4 seconds.
                let span = instants.max()! - instants.min()!
                #expect(span >= 3.9 && span < 10, "\(span) s")
                #expect(Set(sandbox.calls.map(\.to)).count == contacts)
                let settled = try await eventually(timeout: .seconds(10)) {
                    try await Self.count(db, "SELECT count(*)::int FROM dialer.call_attempts WHERE state = 'placed'") == contacts
                }
                #expect(settled)
            }
        }
    }

    /// Where, around its call create, a worker is killed.
    enum Fault {
        /// The create reaches Twilio, which makes no call: to the worker, it died before its POST.
        case beforeCallPost
        /// Twilio has made the call, and the worker dies before it hears the call's SID.
        case afterCallPost
    }

    /// One contact, dialed by a worker that the Sandbox Twilio's hook SIGKILLs at `fault`
    /// (from outside: the production worker has no switch for it); then `body`.
    static func afterAWorkerDies(
        at fault: Fault,
        queueDelay: Duration? = nil,
        _ body: @Sendable (Database, DatabaseURL, SandboxTwilio, TwilioConfiguration) async throws -> Void
    ) async throws {
        try await TestDatabase.withFresh { db, url in
            // Without a queue delay, calls are never simulated: they stay queued.
            try await withSandboxTwilio(configure: { $0.simulatesCalls = queueDelay != nil }) { sandbox, twilio in
                if let queueDelay { sandbox.faults.queueDelay = queueDelay }
                _ = try await db.seedDialableCampaign(name: "crash", contacts: 1, ratePerSecond: 10)
                let doomed = Self.worker(url, twilio, rate: 10)
                // Gone before the Sandbox answers, so no answer can reach it.
                let kill: @Sendable () async -> Void = {
                    doomed.signal(SIGKILL)
                    _ = await doomed.wait(timeout: .seconds(10))
                }
                switch fault {
                case .beforeCallPost:
                    sandbox.hooks.beforeCallCreate = { _ in
                        await kill()
                        return .drop
                    }
                case .afterCallPost: sandbox.hooks.afterCallCreate = { _ in await kill() }
                }
                try doomed.start()
                #expect(await doomed.wait(timeout: .seconds(30)) == SIGKILL, "\(doomed.text)")
                sandbox.hooks = .init()
                try await body(db, url, sandbox, twilio)
            }
        }
    }

    /// A worker without faults runs until the contact's job is completed.
    static func survivorCompletesTheJob(
        _ db: Database,
        _ url: DatabaseURL,
        _ twilio: TwilioConfiguration,
        environment: [String: String] = [:]
    ) async throws {
        let survivor = Self.worker(url, twilio, rate: 10, environment: environment)
        try survivor.start()
        defer { survivor.signal(SIGTERM) }
        let completed = try await eventually(timeout: .seconds(30)) {
            try await Self.count(db, "SELECT count(*)::int FROM dialer.jobs WHERE kind = 'place_call' AND state = 'completed'") == 1
        }
        #expect(completed, "\(survivor.text)")
    }

    @Test func aWorkerKilledRightAfterItsPostNeverLeadsToASecondCall() async throws {
        try await Self.afterAWorkerDies(at: .afterCallPost) { db, url, sandbox, twilio in
            #expect(sandbox.calls.count == 1)
            #expect(try await Self.count(db, "SELECT count(*)::int FROM dialer.call_attempts WHERE state = 'dialing' AND call_sid IS NULL") == 1)

            // The job is rescued once its lease runs out; the next worker reconciles instead of dialing.
            let expired = try await eventually(timeout: .seconds(10)) {
                try await Self.count(db, "SELECT count(*)::int FROM dialer.jobs WHERE kind = 'place_call' AND lease_expires_at < now()") == 1
            }
            #expect(expired)
            try await Self.survivorCompletesTheJob(db, url, twilio)
            #expect(sandbox.calls.count == 1)
            #expect(sandbox.requests.filter { $0.method == "POST" && $0.path.hasSuffix("/Calls.json") }.count == 1)
            let sid = try await db.scalar("SELECT call_sid FROM dialer.call_attempts WHERE state = 'placed'", as: String.self)
            #expect(sid == sandbox.calls.first?.sid)
            #expect(try await Self.count(db, "SELECT count(*)::int FROM dialer.call_attempts") == 1)
            #expect(try await db.scalar("SELECT errors->0->>'kind' FROM dialer.jobs WHERE kind = 'place_call'", as: String.self) == "rescued")
        }
    }

    /// The call waits in Twilio's queue (the account's calls per second are taken) far longer
    /// than the survivor waits before it calls an attempt never placed: it has no start time
    /// yet, and must still be found.
    @Test func aCallQueuedLongerThanTheReconcileWaitIsFoundAndTheContactIsCalledOnce() async throws {
        try await Self.afterAWorkerDies(at: .afterCallPost, queueDelay: .seconds(120)) { db, url, sandbox, twilio in
            #expect(sandbox.calls.count == 1)
            let expired = try await eventually(timeout: .seconds(10)) {
                try await Self.count(db, "SELECT count(*)::int FROM dialer.jobs WHERE kind = 'place_call' AND lease_expires_at < now()") == 1
            }
            #expect(expired)
            try await Self.survivorCompletesTheJob(db, url, twilio, environment: ["DIALER_RECONCILE_AFTER": "1"])
            #expect(sandbox.calls.count == 1 && sandbox.calls.first?.status == "queued" && sandbox.calls.first?.startTime == nil)
            #expect(sandbox.requests.filter { $0.method == "POST" && $0.path.hasSuffix("/Calls.json") }.count == 1)
            let states = try await db.scalar("SELECT string_agg(state || ' ' || call_sid, ',') FROM dialer.call_attempts", as: String.self)
            #expect(states == "placed \(sandbox.calls.first?.sid ?? "?")")
        }
    }

    @Test func aWorkerKilledBeforeItsPostDialsOnceAfterTheCallsListShowsNoCall() async throws {
        try await Self.afterAWorkerDies(at: .beforeCallPost) { db, url, sandbox, twilio in
            #expect(sandbox.calls.isEmpty)

            try await Self.survivorCompletesTheJob(db, url, twilio, environment: ["DIALER_RECONCILE_AFTER": "1"])
            #expect(sandbox.calls.count == 1)
            let states = try await db.scalar("SELECT string_agg(state, ',' ORDER BY attempt_number) FROM dialer.call_attempts", as: String.self)
            #expect(states == "failed,placed")
        }
    }
}
