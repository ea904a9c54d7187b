import Foundation
import Logging
import Sandbox
import Store

/// What `dialer-lab hosts` checks beyond the chaos invariants.
struct HostsInvariants: Sendable {
    let url: DatabaseURL
    let logger: Logger

    func check(twilio: SandboxTwilio, into report: inout HostsReport) async throws {
        let calls = Dictionary(twilio.calls.map { ($0.sid, $0) }, uniquingKeysWith: { first, _ in first })
        // 1. A run whose job was taken back placed nothing after: every call an attempt made
        // before its job's rescue reached Twilio before that rescue (a second of slack for the
        // request's own way there).
        let rescues = try await Database.run(url: url, maxConnections: 1, logger: logger) { db in
            try await db.client.query(
                """
                SELECT a.call_sid, extract(epoch FROM (e->>'at')::timestamptz)::float8
                FROM dialer.call_attempts AS a JOIN dialer.jobs AS j ON j.id = a.job_id
                CROSS JOIN LATERAL jsonb_array_elements(j.errors) AS e
                WHERE e->>'kind' = 'rescued' AND a.created_at < (e->>'at')::timestamptz
                """,
                logger: logger
            ).decode((String?, Double).self).reduce(into: [(String?, Double)]()) { $0.append($1) }
        }
        report.rescuedRuns = try await Database.run(url: url, maxConnections: 1, logger: logger) { db in
            try await db.client.query(
                "SELECT count(*)::int FROM dialer.jobs, jsonb_array_elements(errors) AS e WHERE kind = 'place_call' AND e->>'kind' = 'rescued'",
                logger: logger
            ).decode(Int.self).reduce(0) { $1 }
        }
        for (sid, rescuedAt) in rescues {
            guard let sid, let created = calls[sid]?.dateCreated else { continue }
            if created.timeIntervalSince1970 > rescuedAt + 1 {
                let late = String(format: "%.1f", created.timeIntervalSince1970 - rescuedAt)
                report.violations.append("call \(sid) reached Twilio \(late) s after its job was taken back from the run that began it")
            }
        }
        // 2. No conversation cut, but by the cut between a serve host and the load balancer:
        // those the rolling restart found talking were drained to their end.
        let normal: Set<MediaSessionLog.Ending> = [.calleeHungUp, .dialerClosed, .hungUpByAPI]
        for session in twilio.mediaSessions {
            guard let call = calls[session.callSID], let answered = call.answeredAt else { continue }
            report.conversations += 1
            let ended = call.endTime ?? Date()
            func overlaps(_ window: HostsReport.Window) -> Bool {
                guard let start = window.start else { return false }
                return answered < (window.end ?? Date()) && ended > start
            }
            if report.restarts.contains(where: overlaps) { report.conversationsLiveAtARestart += 1 }
            guard session.error != nil || !normal.contains(session.ending) else { continue }
            if overlaps(report.serveCut) {
                report.conversationsCutByTheServeCut += 1
            } else {
                report.violations.append(
                    "the conversation of call \(session.callSID) was cut (\(session.ending.rawValue)\(session.error.map { ": \($0)" } ?? ""))"
                )
            }
        }
    }
}
