import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import Sandbox
import Store
import TestSupport
import Testing
import Twilio
import Voice
import Webhooks
import Worker

/// Calls placed by the PlaceCall job through the Sandbox Twilio, whose status, voice and AMD
/// callbacks reach the webhook service over a real loopback socket, signed as Twilio signs:
/// the rows must tell the truth however the callbacks arrive.
@Suite struct LiveCallbackTests {
    /// Places one call to each contact and waits until both calls have ended in the database.
    static func dialAll(_ dialing: Dialing, publicURL: String, timeout: Duration = .seconds(15)) async throws {
        let handler = dialing.handler(publicURL: publicURL)
        for contact in dialing.contacts {
            try await dialing.enqueue(contact)
            _ = try await dialing.runOnce(handler)
        }
        await dialing.sandbox.settle()
        let ended = try await eventually(timeout: timeout) {
            try await dialing.db.scalar("SELECT count(*)::int FROM dialer.call_attempts WHERE ended_at IS NOT NULL", as: Int.self)
                == dialing.contacts.count
        }
        #expect(ended)
    }

    /// Every fact the callbacks leave behind about one contact, on one line.
    static func finalState(_ db: Database, contact: Int64) async throws -> String {
        try await db.scalar(
            """
            SELECT concat_ws(' | ',
                c.status, 'seq ' || c.sequence_number, 'talked ' || (c.duration_seconds > 0), 'sip ' || c.sip_response_code,
                'answered ' || (c.answered_at IS NOT NULL) || ' by ' || coalesce(c.answered_by, '-'), 'events ' || (SELECT count(*) FROM dialer.call_events e WHERE e.call_sid = c.call_sid),
                'attempt ' || a.state || ' ended ' || (a.ended_at IS NOT NULL), 'contact attempts ' || k.attempts,
                'outcome ' || coalesce(k.outcome, '-'),
                'finalize ' || (SELECT count(*) FROM dialer.jobs j WHERE j.unique_key = 'finalize:' || c.call_sid),
                'sync ' || coalesce((SELECT s.state FROM dialer.task_syncs s WHERE s.call_sid = c.call_sid), '-'),
                'next ' || (SELECT count(*) FROM dialer.jobs j WHERE j.unique_key = 'place_call:' || k.id || ':2'))
            FROM dialer.calls c JOIN dialer.call_attempts a ON a.id = c.attempt_id JOIN dialer.contacts k ON k.id = a.contact_id
            WHERE k.id = \(contact)
            """,
            as: String.self
        )
    }

    @Test(arguments: [
        SandboxTwilio.CallbackDelivery(),
        SandboxTwilio.CallbackDelivery(duplicated: true, shuffled: true),
    ])
    func placedCallsEndInTheSameRowsHoweverTheirCallbacksArrive(delivery: SandboxTwilio.CallbackDelivery) async throws {
        try await Dialing.with(contacts: 2) { dialing in
            dialing.sandbox.script(Dialing.number(0), .human)
            dialing.sandbox.script(Dialing.number(1), .busy)
            dialing.sandbox.callbackDelivery = delivery
            try await LiveWebhooks.withWebhooks(dialing) { publicURL in
                try await Self.dialAll(dialing, publicURL: publicURL)
                // Every callback was delivered, signed, and accepted.
                let statuses = dialing.sandbox.deliveries.filter { $0.kind == .status }
                #expect(statuses.count == (delivery.duplicated ? 14 : 7))
                #expect(statuses.allSatisfy { $0.responseStatus == 204 }, "\(statuses.map(\.responseStatus))")
                let voice = dialing.sandbox.deliveries.filter { $0.kind == .voice }
                #expect(voice.count == 1)
                #expect(voice.first?.responseBody.contains("<Connect><Stream url=\"ws://127.0.0.1:") == true)

                // Four status callbacks and the AMD result for the answered call.
                let answered = try await Self.finalState(dialing.db, contact: dialing.contacts[0])
                #expect(
                    answered
                        == "completed | seq 3 | talked true | sip 200 | answered true by human | events 5 | attempt placed ended true | contact attempts 1 | outcome answered | finalize 1 | sync pending | next 0"
                )
                let busy = try await Self.finalState(dialing.db, contact: dialing.contacts[1])
                #expect(
                    busy
                        == "busy | seq 2 | talked false | sip 486 | answered false by - | events 3 | attempt placed ended true | contact attempts 1 | outcome - | finalize 1 | sync pending | next 1"
                )
                // The busy contact is called again after the campaign's busy delay (600 s by
                // default), counted from when its call ended.
                let delay = try await dialing.db.scalar(
                    """
                    SELECT extract(epoch FROM j.run_at - a.ended_at)::float8
                    FROM dialer.jobs j JOIN dialer.call_attempts a ON a.contact_id = \(dialing.contacts[1])
                    WHERE j.unique_key = \("place_call:\(dialing.contacts[1]):2")
                    """,
                    as: Double.self
                )
                #expect(abs(delay - 600) < 1)
            }
        }
    }
}
