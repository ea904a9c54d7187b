import Backoff
import Foundation
import Logging
import PostgresNIO
import Queue

/// Writes a batch of status callbacks: `dialer.record_call_statuses` (sql/0010) applies them
/// in one statement, and the calls they ended get the retry policy's decision and their Task's
/// job in one more, in the same transaction.
struct CallStatusWriter: Sendable {
    let database: Database
    let finalizeGrace: Duration

    var logger: Logger { database.logger }

    /// One result per event, in the events' order.
    func write(_ events: [CallStatusEvent]) async throws -> [CallStatusResult] {
        // By CallSid, so that concurrent batches lock attempts in one order and cannot
        // deadlock; the sort is stable, so one call's events keep their arrival order.
        let order = events.indices.sorted { (events[$0].callSID, $0) < (events[$1].callSID, $1) }
        let sorted = order.map { events[$0] }
        let applied: [Applied]
        if sorted.contains(where: \.isTerminal) {
            applied = try await database.client.withTransaction(logger: logger) { connection in
                let applied = try await apply(sorted, on: connection)
                try await end(applied, sorted, on: connection)
                return applied
            }
        } else {
            applied = try await apply(sorted, on: nil)
        }
        var results = [CallStatusResult](repeating: .orphan, count: events.count)
        for (position, index) in order.enumerated() { results[index] = applied[position].result }
        return results
    }

    /// What `dialer.record_call_statuses` did with one event.
    enum Applied {
        case orphan, duplicate, stale, moved
        case ended(EndedCall)

        var result: CallStatusResult {
            switch self {
            case .orphan: .orphan
            case .duplicate: .duplicate
            case .stale: .recorded(moved: false, ended: nil)
            case .moved: .recorded(moved: true, ended: nil)
            case .ended(let call): .recorded(moved: true, ended: CallEnding(contactID: call.contact, decision: call.decision))
            }
        }
    }

    /// The call an event ended, and what the retry policy decided for its contact.
    struct EndedCall {
        let contact: Int64
        let campaign: Int64
        let attempts: Int
        let decision: RetryPolicy.Decision
    }

    func apply(_ events: [CallStatusEvent], on connection: PostgresConnection?) async throws -> [Applied] {
        let query: PostgresQuery = """
            SELECT ordinal, outcome, contact_id, campaign_id, answered_by, attempts, retry_delays, max_attempts, voicemail_policy
            FROM dialer.record_call_statuses(
                \(events.map(\.callSID)), \(events.map { $0.attemptID?.uuidString ?? "" }),
                \(events.map(\.sequenceNumber))::integer[], \(events.map(\.status)), \(events.map { $0.answeredBy ?? "" }),
                \(events.map { $0.durationSeconds ?? -1 })::integer[], \(events.map { $0.sipResponseCode ?? -1 })::integer[],
                \(events.map { $0.timestamp ?? Date() }), \(events.map(\.parametersJSON)))
            """
        let rows =
            if let connection {
                try await connection.query(query, logger: logger)
            } else {
                try await database.client.query(query, logger: logger)
            }
        var applied = [Applied](repeating: .orphan, count: events.count)
        for try await (ordinal, outcome, contact, campaign, answeredBy, attempts, delays, maxAttempts, voicemail) in rows.decode(
            (Int, String, Int64?, Int64?, String?, Int?, String?, Int?, String?).self
        ) {
            let index = ordinal - 1
            switch outcome {
            case "duplicate": applied[index] = .duplicate
            case "stale": applied[index] = .stale
            case "moved": applied[index] = .moved
            case "ended":
                let retryDelays = delays.flatMap { try? JSONDecoder().decode([String: Double].self, from: Data($0.utf8)) } ?? [:]
                let policy = RetryPolicy(retryDelays: retryDelays, maxAttempts: maxAttempts ?? 1, voicemailPolicy: voicemail ?? "")
                applied[index] = .ended(
                    EndedCall(
                        contact: contact ?? 0,
                        campaign: campaign ?? 0,
                        attempts: attempts ?? 0,
                        decision: policy.decide(events[index].end(answeredBy: answeredBy), attempt: attempts ?? 0)
                    )
                )
            default: applied[index] = .orphan
            }
        }
        return applied
    }

    /// For every call the batch ended, in one statement (`dialer.end_calls`): the contact's
    /// next PlaceCall after its delay or its final outcome, and the call's finalize job.
    func end(_ applied: [Applied], _ events: [CallStatusEvent], on connection: PostgresConnection) async throws {
        var contacts: [Int64] = []
        var campaigns: [Int64] = []
        var sids: [String] = []
        var nextCalls: [Int] = []
        var retryAfter: [Double] = []
        var outcomes: [String] = []
        for (index, result) in applied.enumerated() {
            guard case .ended(let call) = result else { continue }
            contacts.append(call.contact)
            campaigns.append(call.campaign)
            sids.append(events[index].callSID)
            nextCalls.append(call.attempts + 1)
            switch call.decision {
            case .retry(let after):
                retryAfter.append(after.seconds)
                outcomes.append("")
            case .final(let outcome):
                retryAfter.append(-1)
                outcomes.append(outcome)
            }
        }
        guard !contacts.isEmpty else { return }
        try await connection.query(
            """
            SELECT dialer.end_calls(\(contacts)::bigint[], \(campaigns)::bigint[], \(sids)::text[],
                                    ARRAY(SELECT dialer.place_call_key(c, n) FROM unnest(\(contacts)::bigint[], \(nextCalls)::int[])
                                          WITH ORDINALITY AS u(c, n, o) ORDER BY o),
                                    \(retryAfter)::float8[], \(outcomes)::text[], \(PlaceCallArgs.kind),
                                    \(FinalizeCallArgs.kind), \(finalizeGrace.seconds))
            """,
            logger: logger
        )
    }
}
