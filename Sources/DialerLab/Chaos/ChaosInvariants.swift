import DialerServices
import Foundation
import Logging
import PostgresNIO
import Sandbox
import Store
import Worker

/// Design invariants 1–5, checked after a chaos run from SQL and from what the Sandboxes saw.
struct ChaosInvariants: Sendable {
    let url: DatabaseURL
    let campaignID: Int64
    let rate: Double
    let logger: Logger

    /// Fills the report's counts and returns every violation, in words.
    func check(salesforce: SandboxSalesforce, twilio: SandboxTwilio, into report: inout ChaosReport) async throws -> [String] {
        var violations: [String] = []
        let calls = twilio.calls
        report.callsPlaced = calls.count
        // 2. The rate, as Twilio saw the creates.
        let busiest = RateWindow.busiest(twilio.callCreateInstants)
        report.busiestSecond = busiest
        if Double(busiest) > rate { violations.append("\(busiest) calls created in one second, above \(rate)/s") }
        // 3. Every call Twilio placed has ended there.
        for call in calls where !["completed", "busy", "no-answer", "failed", "canceled"].contains(call.status) {
            violations.append("Twilio's call \(call.sid) is still \(call.status)")
        }
        let tasks = EndedCallTasks(salesforce)
        report.tasks = tasks.total
        let db = try await Database.run(url: url, maxConnections: 2, logger: logger) { db in
            try await self.rows(db, sids: calls.map(\.sid))
        }
        // 1. Every call Twilio placed belongs to exactly one attempt: none was dialed twice.
        let attemptsBySid = Set(db.attemptCallSIDs)
        for call in calls where !attemptsBySid.contains(call.sid) {
            violations.append("Twilio's call \(call.sid) to \(PhoneNumber(e164: call.to)?.masked ?? "?") has no attempt: dialed twice or lost")
        }
        // 3. Every attempt that was placed has ended, in a terminal status.
        violations += db.openAttempts.map { "attempt for \($0) is placed and not ended" }
        // 4. Exactly one Task per ended call, and its sync says synced.
        for sid in db.endedCallSIDs where tasks.count(sid) != 1 { violations.append("\(tasks.count(sid)) Tasks for \(sid)") }
        violations += tasks.orphans(known: Set(db.endedCallSIDs)).map { "a Task for \($0), which is no ended call" }
        violations += db.unsyncedCalls.map { "Task sync for \($0) is not synced" }
        // 5. No job lost or stuck; every callable contact settled.
        violations += db.unsettledContacts.map { "contact \($0) has no outcome and no job to give it one" }
        violations += db.stuckJobs.map { "job \($0) is running past its lease" }
        // 2 again, as the dialer paced them.
        report.busiestSlotSecond = db.busiestSlotSecond
        if Double(report.busiestSlotSecond) > rate {
            violations.append("\(report.busiestSlotSecond) rate slots in one second, above \(rate)/s")
        }
        report.endedCalls = db.endedCallSIDs.count
        report.discardedJobs = db.discardedJobs
        return violations
    }

    struct Rows: Sendable {
        var attemptCallSIDs: [String] = []
        var openAttempts: [String] = []
        var endedCallSIDs: [String] = []
        var unsyncedCalls: [String] = []
        var unsettledContacts: [Int64] = []
        var stuckJobs: [Int64] = []
        var discardedJobs: [String: Int] = [:]
        var busiestSlotSecond = 0
    }

    func rows(_ db: Database, sids: [String]) async throws -> Rows {
        var rows = Rows()
        func strings(_ query: PostgresQuery) async throws -> [String] {
            var result: [String] = []
            for try await value in try await db.client.query(query, logger: logger).decode(String.self) { result.append(value) }
            return result
        }
        rows.attemptCallSIDs = try await strings("SELECT call_sid FROM dialer.call_attempts WHERE call_sid = ANY(\(sids))")
        rows.openAttempts = try await strings(
            """
            SELECT a.call_sid FROM dialer.call_attempts a LEFT JOIN dialer.calls c ON c.attempt_id = a.id
            WHERE a.state = 'placed' AND (a.ended_at IS NULL OR c.status NOT IN ('completed', 'busy', 'no-answer', 'failed', 'canceled'))
            """
        )
        rows.endedCallSIDs = try await strings("SELECT call_sid FROM dialer.calls WHERE ended_at IS NOT NULL")
        rows.unsyncedCalls = try await strings(
            "SELECT c.call_sid FROM dialer.calls c LEFT JOIN dialer.task_syncs s USING (call_sid) WHERE c.ended_at IS NOT NULL AND s.state IS DISTINCT FROM 'synced'"
        )
        for try await id in try await db.client.query(
            """
            SELECT k.id FROM dialer.contacts k WHERE k.campaign_id = \(campaignID) AND k.skip_reason IS NULL AND k.outcome IS NULL
              AND NOT EXISTS (SELECT 1 FROM dialer.jobs j WHERE j.kind = 'place_call' AND dialer.job_is_open(j.state)
                              AND (j.args->>'contactID')::bigint = k.id)
            """,
            logger: logger
        ).decode(Int64.self) { rows.unsettledContacts.append(id) }
        for try await id in try await db.client.query(
            "SELECT id FROM dialer.jobs WHERE state = 'running' AND lease_expires_at < now() - interval '30 seconds'",
            logger: logger
        ).decode(Int64.self) { rows.stuckJobs.append(id) }
        rows.busiestSlotSecond = try await SandboxedDialer.busiestSlotSecond(db, logger: logger)
        for try await (kind, count) in try await db.client.query(
            "SELECT kind, count(*)::int FROM dialer.jobs WHERE state = 'discarded' GROUP BY kind",
            logger: logger
        ).decode((String, Int).self) { rows.discardedJobs[kind] = count }
        return rows
    }
}

/// The Tasks the Sandbox Salesforce holds, by CallObject.
struct EndedCallTasks {
    let byCall: [String: Int]
    let total: Int

    init(_ salesforce: SandboxSalesforce) {
        total = salesforce.records(ofType: "Task").count
        byCall = salesforce.taskCountsByCallObject()
    }

    func count(_ sid: String) -> Int { byCall[sid, default: 0] }
    func orphans(known: Set<String>) -> [String] { byCall.keys.filter { !known.contains($0) }.sorted() }
}
