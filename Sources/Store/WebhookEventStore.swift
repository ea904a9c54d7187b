import Foundation
import Logging
import PostgresNIO

/// Events out, from the worker's side: what an ended call's `call.ended` says, publishing an
/// event (`dialer.publish_event`: the event and its deliveries in one transaction), and what
/// one delivery sends.
public struct WebhookEventStore: Sendable {
    public let database: Database

    public init(database: Database) {
        self.database = database
    }

    var logger: Logger { database.logger }

    /// Whether an ended call's event can be written yet.
    public enum CallEndedReadiness: Sendable, Equatable {
        /// No ended call has this CallSid.
        case unknownCall
        /// The call's media stream is still open (its last transcript rows may be coming):
        /// ask again, at most this much later, when the stream wait runs out.
        case streamOpen(waitingAtMost: Duration)
        case ready(CallEndedEvent)
    }

    /// The ended call's event, once its media stream has closed, or it has been open for
    /// `streamWait` past the call's end (its server died with it), as the finalizer judges it.
    public func callEnded(callSID: String, streamWait: Duration) async throws -> CallEndedReadiness {
        let rows = try await database.client.query(
            """
            SELECT a.id, c.call_sid, cp.name, cp.id, k.salesforce_id, a.to_e164, a.attempt_number,
                   dialer.call_disposition(c.status, c.answered_by, c.answered_at IS NOT NULL), k.outcome, c.status,
                   c.answered_by, c.duration_seconds, c.answered_at, c.ended_at,
                   CASE WHEN EXISTS (SELECT 1 FROM dialer.media_streams AS m WHERE m.call_sid = c.call_sid AND m.ended_at IS NULL)
                        THEN greatest(0, extract(epoch FROM c.ended_at + make_interval(secs => \(streamWait.seconds)) - now()))::float8
                   END,
                   (SELECT coalesce(json_agg(json_build_object('seq', t.seq, 'speaker', t.speaker, 'text', t.text, 'startMs', t.start_ms,
                                                               'endMs', t.end_ms, 'interrupted', t.interrupted) ORDER BY t.seq), '[]')::text
                    FROM dialer.transcript_entries AS t WHERE t.call_sid = c.call_sid)
            FROM dialer.calls AS c
            JOIN dialer.call_attempts AS a ON a.id = c.attempt_id
            JOIN dialer.contacts AS k ON k.id = a.contact_id
            JOIN dialer.campaigns AS cp ON cp.id = a.campaign_id
            WHERE c.call_sid = \(callSID) AND c.ended_at IS NOT NULL
            """,
            logger: logger
        )
        for try await row in rows.decode(CallRow.self) {
            let (attempt, sid, campaign, campaignID, contact, to, number, disposition, outcome, status) = (
                row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7, row.8, row.9
            )
            let (answeredBy, duration, answeredAt, endedAt, streamLeft, transcript) = (row.10, row.11, row.12, row.13, row.14, row.15)
            if let streamLeft, streamLeft > 0 { return .streamOpen(waitingAtMost: .milliseconds(Int64(streamLeft * 1000))) }
            return .ready(
                CallEndedEvent(
                    callId: attempt.uuidString.lowercased(),
                    callSid: sid,
                    campaign: campaign,
                    campaignId: campaignID,
                    contactId: contact,
                    to: CallEndedEvent.masked(to),
                    attempt: number,
                    outcome: disposition,
                    contactOutcome: outcome,
                    twilioStatus: status,
                    answeredBy: answeredBy,
                    durationSeconds: duration,
                    answeredAt: answeredAt,
                    endedAt: endedAt,
                    transcript: try JSONDecoder().decode([CallEndedEvent.Entry].self, from: Data(transcript.utf8))
                )
            )
        }
        return .unknownCall
    }

    typealias CallRow = (UUID, String, String, Int64, String?, String, Int, String, String?, String, String?, Int?, Date?, Date, Double?, String)

    /// Publishes `call.ended` for the call (once per call: a second publish returns the first
    /// one's id and queues nothing). Returns the event's id, or nil when no endpoint receives it.
    @discardableResult
    public func publish(_ event: CallEndedEvent) async throws -> String? {
        try await publish(type: .callEnded, subject: event.subject, payloadJSON: try event.json())
    }

    /// Publishes an event: recorded with one delivery job per enabled endpoint subscribed to
    /// `type`, in one transaction; once per `subject`.
    @discardableResult
    public func publish(type: WebhookEventType, subject: String, payloadJSON: String) async throws -> String? {
        let rows = try await database.client.query(
            "SELECT dialer.publish_event(\(type.rawValue), \(subject), \(payloadJSON)::jsonb)",
            logger: logger
        )
        for try await id in rows.decode(String?.self) { return id }
        return nil
    }

    /// What one delivery sends: the body (the same bytes on every attempt), where, and the
    /// secret that signs it.
    public struct Message: Sendable, Equatable {
        public let eventID: String
        public let eventType: String
        public let body: String
        public let url: String
        public let secret: String
        public let endpointName: String
        public let endpointDisabled: Bool
    }

    /// The message for one delivery; nil when its event or its endpoint is gone.
    public func message(eventID: String, endpointID: Int64) async throws -> Message? {
        let rows = try await database.client.query(
            """
            SELECT e.id, e.type, dialer.webhook_body(e), p.url, p.secret, p.name, p.disabled_at IS NOT NULL
            FROM dialer.webhook_events AS e, dialer.webhook_endpoints AS p
            WHERE e.id = \(eventID) AND p.id = \(endpointID)
            """,
            logger: logger
        )
        for try await (id, type, body, url, secret, name, disabled) in rows.decode((String, String, String, String, String, String, Bool).self) {
            return Message(eventID: id, eventType: type, body: body, url: url, secret: secret, endpointName: name, endpointDisabled: disabled)
        }
        return nil
    }
}
