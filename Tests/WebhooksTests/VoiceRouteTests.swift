import Foundation
import Hummingbird
import HummingbirdTesting
import Store
import TestSupport
import Testing
import Webhooks

@Suite struct VoiceRouteTests {
    static func app(_ db: Database) -> some ApplicationProtocol {
        let router = Router()
        VoiceRoutes(configuration: StatusCallbackTests.configuration, attempts: CallAttemptStore(database: db)).add(to: router)
        return Application(router: router)
    }

    static let answered = [("CallSid", "CA1"), ("CallStatus", "in-progress"), ("To", "+14155550123"), ("From", "+14155550100")]

    @Test func anAnsweredCallGetsTheDisclosureThenATwoWayStreamWithItsIds() async throws {
        try await TestDatabase.withFresh { db, _ in
            let attempt = try await StatusCallbackTests.attempt(db)
            try await db.execute("UPDATE dialer.campaigns SET disclosure = 'This is an automated call from Acme & Sons, using an AI voice.'")
            let (campaign, contact) = (
                try await db.scalar("SELECT campaign_id FROM dialer.call_attempts", as: Int64.self),
                try await db.scalar("SELECT contact_id FROM dialer.call_attempts", as: Int64.self)
            )
            let id = attempt.uuidString.lowercased()
            let credential = StatusCallbackTests.configuration.streamCredential
            let token = credential.token(attemptID: attempt, callSID: "CA1")
            try await Self.app(db).test(.router) { client in
                let (status, body) = try await StatusCallbackTests.send(client, "/twilio/voice?attempt=\(id)", Self.answered)
                #expect(status == .ok)
                #expect(
                    body == """
                        <?xml version="1.0" encoding="UTF-8"?><Response><Say>This is an automated call from Acme &amp; Sons, using an AI voice.</Say>\
                        <Connect><Stream url="wss://dialer.example.com/twilio/media">\
                        <Parameter name="attempt" value="\(id)" /><Parameter name="campaign" value="\(campaign)" /><Parameter name="contact" value="\(contact)" />\
                        <Parameter name="token" value="\(token)" />\
                        </Stream></Connect></Response>
                        """
                )
                // The call's own secret: keyed by the Auth Token, for this attempt and CallSid only.
                #expect(token.count == 43 && token != credential.token(attemptID: attempt, callSID: "CA2"))
                #expect(credential.isValid(token, attemptID: attempt, callSID: "CA1"))
                #expect(!MediaStreamCredential(authToken: "another").isValid(token, attemptID: attempt, callSID: "CA1"))
                #expect(!body.contains("<Start>"))
            }
        }
    }

    @Test func anUnknownAttemptIsHungUpOnAndABadSignatureRefused() async throws {
        try await TestDatabase.withFresh { db, _ in
            let attempt = try await StatusCallbackTests.attempt(db)
            try await Self.app(db).test(.router) { client in
                let hangup = #"<?xml version="1.0" encoding="UTF-8"?><Response><Hangup /></Response>"#
                let unknown = try await StatusCallbackTests.send(client, "/twilio/voice?attempt=\(UUID().uuidString)", Self.answered)
                #expect(unknown.status == .ok && unknown.body == hangup)
                let missing = try await StatusCallbackTests.send(client, "/twilio/voice", Self.answered)
                #expect(missing.body == hangup)
                // The attempt is CA1's: another call naming it is hung up on.
                let other = try await StatusCallbackTests.send(
                    client,
                    "/twilio/voice?attempt=\(attempt.uuidString.lowercased())",
                    [("CallSid", "CA2"), ("CallStatus", "in-progress")]
                )
                #expect(other.body == hangup)
                let forged = try await StatusCallbackTests.send(
                    client,
                    "/twilio/voice?attempt=\(attempt.uuidString.lowercased())",
                    Self.answered,
                    token: "not-the-token"
                )
                #expect(forged.status == .forbidden && forged.body.isEmpty)
            }
        }
    }
}
