import Foundation
import Logging
import Queue
import Sandbox
import Store
import Twilio
import Worker

/// An active campaign of callable contacts, a Sandbox Twilio, and a PlaceCall handler whose
/// clock says `now` (noon in New York unless told otherwise).
public struct Dialing: Sendable {
    public let db: Database
    /// The database's URL, for child processes; nil in a harness made by hand.
    public var url: DatabaseURL?
    public let sandbox: SandboxTwilio
    public let twilio: TwilioConfiguration
    public let campaignID: Int64
    public let contacts: [Int64]

    public init(db: Database, url: DatabaseURL? = nil, sandbox: SandboxTwilio, twilio: TwilioConfiguration, campaignID: Int64, contacts: [Int64]) {
        self.db = db
        self.url = url
        self.sandbox = sandbox
        self.twilio = twilio
        self.campaignID = campaignID
        self.contacts = contacts
    }

    public static let from = "+14155550100"
    /// 2026-11-25 12:00 in New York.
    public static let noonInNewYork = Date(timeIntervalSince1970: 1_795_626_000)

    public static func number(_ index: Int) -> String { "+1212555\(String(format: "%04d", 1000 + index))" }

    public static func with(
        contacts: Int = 1,
        maxConcurrentCalls: Int = 10,
        configure: @escaping @Sendable (inout SandboxTwilio.Configuration) -> Void = { _ in },
        _ body: @Sendable (Dialing) async throws -> Void
    ) async throws {
        try await TestDatabase.withFresh(maxConnections: 12) { db, url in
            try await withSandboxTwilio(configure: configure) { sandbox, twilio in
                let campaign = try await db.scalar(
                    """
                    INSERT INTO dialer.campaigns (name, soql, status, from_number, rate_per_second, max_concurrent_calls)
                    VALUES ('dialing test', 'SELECT Id FROM Contact', 'active', \(from), 100, \(maxConcurrentCalls)) RETURNING id
                    """,
                    as: Int64.self
                )
                var ids: [Int64] = []
                for index in 0..<contacts {
                    ids.append(
                        try await db.scalar(
                            """
                            INSERT INTO dialer.contacts (campaign_id, salesforce_id, phone_e164, time_zone, time_zone_source)
                            VALUES (\(campaign), \("003SB000000\(1000 + index)AAA"), \(number(index)), 'America/New_York', 'area_code')
                            RETURNING id
                            """,
                            as: Int64.self
                        )
                    )
                }
                try await body(Dialing(db: db, url: url, sandbox: sandbox, twilio: twilio, campaignID: campaign, contacts: ids))
            }
        }
    }

    public func handler(
        now: Date = Dialing.noonInNewYork,
        reconcileAfter: Duration = .seconds(120),
        callsPerSecond: Double = 50,
        publicURL: String = "http://127.0.0.1:9/hooks"
    ) -> PlaceCallHandler {
        var configuration = DialingConfiguration(publicURL: publicURL, accountSID: twilio.accountSID)
        configuration.accountCallsPerSecond = callsPerSecond
        configuration.reconcileAfter = reconcileAfter
        configuration.lateSlotTolerance = .seconds(1)
        let client = TwilioClient(configuration: twilio, logger: TestDatabase.testLogger, backoff: .init(base: 0.01, factor: 2, cap: 0.05, jitter: 0))
        return PlaceCallHandler(
            database: db,
            twilio: client,
            configuration: configuration,
            backoff: .init(base: 0.05, factor: 1, cap: 0.05, jitter: 0),
            now: { now },
            logger: TestDatabase.testLogger
        )
    }

    /// Enqueues the contact's place_call job as the import does.
    @discardableResult
    public func enqueue(_ contact: Int64) async throws -> Int64 {
        try await JobQueue(database: db).enqueue(PlaceCallArgs(contactID: contact), groupID: campaignID).id
    }

    /// Claims the next place_call job and runs it through `handler`, writing a returned
    /// outcome back as a worker would (a thrown error leaves the job running). A job that gave
    /// up a rate slot it woke too late for runs again at once, as it would in a worker, for as
    /// long as a minute: a CI machine running the whole suite can keep one late for seconds.
    public func runOnce(_ handler: PlaceCallHandler) async throws -> JobOutcome {
        let queue = JobQueue(database: db)
        let jobs = try await queue.claim(kinds: [PlaceCallArgs.kind], limit: 1, owner: "test", lease: .seconds(120))
        guard let job = jobs.first else { throw TestSetupError("no place_call job to claim") }
        let giveUp = ContinuousClock.now + .seconds(60)
        var outcome = try await handler.run(job)
        while outcome == .snoozed(.zero) && ContinuousClock.now < giveUp { outcome = try await handler.run(job) }
        switch outcome {
        case .completed: _ = try await queue.complete([job.lease])
        case .snoozed(let delay): _ = try await queue.snooze([job.lease], for: delay)
        case .cancelled(let reason): _ = try await queue.cancel([job.lease], reason: reason)
        }
        return outcome
    }

    /// Makes every unfinished job runnable now, as if its snooze or backoff had passed (or,
    /// for a running one, its worker had died and its lease had been rescued).
    /// A placed attempt for the first contact as `callSID`, and the `start` custom parameters
    /// that name it (the voice webhook's, less the token `MediaSocketClient.start` in WebhooksTests adds).
    public func placedAttempt(callSID: String) async throws -> (attempt: UUID, parameters: [String: String]) {
        let contact = contacts[0]
        let attempt = try await db.scalar(
            """
            INSERT INTO dialer.call_attempts (contact_id, campaign_id, attempt_number, state, to_e164, from_e164, call_sid)
            VALUES (\(contact), \(campaignID), 1, 'placed', \(Dialing.number(0)), \(Dialing.from), \(callSID)) RETURNING id
            """,
            as: UUID.self
        )
        return (attempt, ["attempt": attempt.uuidString.lowercased(), "campaign": String(campaignID), "contact": String(contact)])
    }

    public func makeJobsDue() async throws {
        try await db.execute(
            """
            UPDATE dialer.jobs SET state = 'available', run_at = now(), lease_owner = NULL, lease_expires_at = NULL
            WHERE dialer.job_is_open(state)
            """
        )
    }

    /// Creates the Sandbox received, that made a call.
    public var creates: Int { sandbox.callCreateInstants.count }

    public func jobState(_ contact: Int64) async throws -> String {
        try await db.scalar("SELECT state FROM dialer.jobs WHERE unique_key = \("place_call:\(contact)") ORDER BY id DESC LIMIT 1", as: String.self)
    }

    public func attempts(_ contact: Int64) async throws -> [CallAttempt] {
        var found: [CallAttempt] = []
        let store = CallAttemptStore(database: db)
        for number in 1...10 {
            guard let attempt = try await store.attempt(contactID: contact, attemptNumber: number) else { break }
            found.append(attempt)
        }
        return found
    }
}
