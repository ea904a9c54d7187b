import AsyncHTTPClient
import Foundation
import HTTPTypes
import HummingbirdWSClient
import Sandbox
import Store
import TestSupport
import Testing
import Twilio
import Voice
import Webhooks

/// Whole conversations over a real socket: the PlaceCall job dials through the Sandbox
/// Twilio, whose callees answer `<Connect><Stream>` by opening the media WebSocket and
/// speaking their scripts with espeak-ng; the webhook service runs the embedded stack
/// (PocketSphinx, the built-in script, espeak-ng) and writes what was said.
@Suite(.runsAlone("real time: whole calls over the media socket with the embedded recognizer")) struct LiveConversationTests {
    static func embeddedVoice() throws -> VoiceComponents {
        VoiceComponents(speechToText: PocketSphinxSpeechToText(), agent: try ScriptedAgent(script: .default), textToSpeech: EspeakTextToSpeech())
    }

    /// Three callees at once: one answers "yes" and then picks a callback time ("tomorrow
    /// afternoon"), one opts out, one talks over the agent's second question.
    @Test func conversationsLeaveTheirTranscriptsOptOutsAndBargeIns() async throws {
        try await Dialing.with(contacts: 3) { dialing in
            let interest = AgentScript.default.steps[0].question
            let time = AgentScript.default.steps[1].question
            dialing.sandbox.script(Dialing.number(0), .human)
            dialing.sandbox.speak(Dialing.number(0), .says("yes", "tomorrow afternoon"))
            dialing.sandbox.script(Dialing.number(1), .human)
            dialing.sandbox.speak(Dialing.number(1), .says("stop calling me"))
            dialing.sandbox.script(Dialing.number(2), .human)
            // "Great. When should the specialist call you? …": cut in a second into it.
            dialing.sandbox.speak(Dialing.number(2), CalleeScript([.init("yes"), .init("afternoon", cue: .duringAgent(after: .seconds(1)))]))

            try await LiveWebhooks.withWebhooks(dialing, voice: try Self.embeddedVoice()) { publicURL in
                try await LiveCallbackTests.dialAll(dialing, publicURL: publicURL, timeout: .seconds(90))
                // The socket closes before the stream's last rows land: wait for its end row.
                let closed = try await eventually(timeout: .seconds(15)) {
                    try await dialing.db.scalar("SELECT count(*)::int FROM dialer.media_streams WHERE ended_at IS NOT NULL", as: Int.self) == 3
                }
                #expect(closed)
            }

            // "yes" is recognised in grammar mode and the conversation follows the script.
            let agreed = try await TranscriptRow.all(dialing.db, contact: dialing.contacts[0])
            #expect(agreed.map(\.speaker) == ["agent", "callee", "agent", "callee", "agent"], "\(agreed)")
            #expect(agreed.first?.text.hasSuffix(interest) == true)
            #expect(agreed.filter { $0.speaker == "callee" }.map(\.text) == ["yes", "tomorrow afternoon"])
            #expect(agreed.last?.text == "A specialist will call you tomorrow afternoon. Thank you for your time. Goodbye.")
            #expect(agreed.dropFirst(2).first?.text == "Great. \(time)")
            #expect(!agreed.contains { $0.interrupted }, "\(agreed)")
            let intents = try await dialing.db.rows(
                "SELECT intent FROM dialer.transcript_entries t JOIN dialer.call_attempts a ON a.id = t.attempt_id WHERE a.contact_id = \(dialing.contacts[0]) AND speaker = 'callee' ORDER BY seq",
                as: String?.self
            )
            #expect(intents == ["interested", "callback"])
            try await Self.expectCallbackTomorrowAfternoon(dialing, contact: dialing.contacts[0])

            // The opt-out: the number is on the DNC list and the contact is marked.
            let optedOut = try await TranscriptRow.all(dialing.db, contact: dialing.contacts[1])
            #expect(optedOut.filter { $0.speaker == "callee" }.map(\.text) == ["stop calling me"], "\(optedOut)")
            let listed = try await dialing.db.scalar("SELECT reason FROM dialer.dnc WHERE phone_e164 = \(Dialing.number(1))", as: String?.self)
            #expect(listed == "opt_out")
            let marked = try await dialing.db.scalar(
                "SELECT opted_out_at IS NOT NULL FROM dialer.contacts WHERE id = \(dialing.contacts[1])",
                as: Bool.self
            )
            #expect(marked)
            let others = try await dialing.db.scalar("SELECT count(*)::int FROM dialer.dnc WHERE phone_e164 <> \(Dialing.number(1))", as: Int.self)
            #expect(others == 0)

            // The barge-in: Twilio got a clear, and the question is marked interrupted.
            let session = try #require(dialing.sandbox.mediaSessions.first { $0.customParameters["contact"] == String(dialing.contacts[2]) })
            #expect(!session.clearsAtMs.isEmpty)
            let talkedOver = try await TranscriptRow.all(dialing.db, contact: dialing.contacts[2])
            #expect(talkedOver.contains { $0.speaker == "agent" && $0.interrupted && $0.text.hasSuffix(time) }, "\(talkedOver)")
            #expect(talkedOver.filter { $0.speaker == "callee" }.map(\.text) == ["yes", "afternoon"])
            #expect(talkedOver.last?.speaker == "agent" && talkedOver.last?.interrupted == false)

            // Every stream was bound to its attempt and counted its frames.
            let streams = try await dialing.db.rows(
                "SELECT attempt_id IS NOT NULL AND frames_received > 0 AND frames_sent > 0 AND malformed = 0 FROM dialer.media_streams",
                as: Bool.self
            )
            #expect(streams == [true, true, true])
        }
    }

    /// The callback is on the contact (12:00–17:00 tomorrow in its zone, New York), which
    /// has no outcome while it is to come, and its place_call is due when the window opens.
    static func expectCallbackTomorrowAfternoon(_ dialing: Dialing, contact: Int64) async throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "America/New_York")!
        let tomorrow = calendar.date(byAdding: .day, value: 1, to: calendar.startOfDay(for: Date()))!
        let from = calendar.date(bySettingHour: 12, minute: 0, second: 0, of: tomorrow)!
        let until = calendar.date(bySettingHour: 17, minute: 0, second: 0, of: tomorrow)!
        let row = try await dialing.db.rows(
            """
            SELECT k.callback_at, k.callback_until, k.outcome, j.run_at, j.args ->> 'callbackFor' = a.id::text, a.callback_time_zone
            FROM dialer.contacts AS k JOIN dialer.call_attempts AS a ON a.contact_id = k.id
            JOIN dialer.jobs AS j ON j.unique_key = 'place_call:callback:' || a.id AND j.kind = 'place_call' AND j.state = 'available'
            WHERE k.id = \(contact)
            """,
            as: (Date?, Date?, String?, Date, Bool, String?).self
        )
        #expect(row.count == 1)
        let callback = try #require(row.first)
        #expect(callback.0 == from && callback.1 == until && callback.3 == from, "\(callback)")
        #expect(callback.2 == nil && callback.4 && callback.5 == "America/New_York")
        let listed = try await dialing.db.scalar("SELECT count(*)::int FROM dialer.callbacks WHERE contact_id = \(contact)", as: Int.self)
        #expect(listed == 1)
    }

    /// A handshake without Twilio's signature for the stream URL never becomes a WebSocket
    /// and is counted; the same handshake signed opens one.
    @Test func onlyASignedHandshakeOpensTheStream() async throws {
        try await Dialing.with(contacts: 0) { dialing in
            try await LiveWebhooks.withWebhookService(dialing, voice: try Self.embeddedVoice()) { service in
                let publicURL = service.publicURL
                let url = "ws" + publicURL.dropFirst("http".count) + "/twilio/media"
                let signed = TwilioSignature(authToken: dialing.sandbox.configuration.authToken).signature(url: url)
                let forged = TwilioSignature(authToken: "not the auth token").signature(url: url)
                func opens(_ signature: String?) async -> Bool {
                    var headers = HTTPFields()
                    if let signature { headers[.init(TwilioSignature.header)!] = signature }
                    do {
                        try await WebSocketClient.connect(url: url, configuration: .init(additionalHeaders: headers), logger: TestDatabase.testLogger)
                        { _, outbound, _ in
                            try await outbound.close(.normalClosure, reason: nil)
                        }
                        return true
                    } catch {
                        return false
                    }
                }
                #expect(await opens(nil) == false)
                #expect(await opens(forged) == false)
                #expect(await opens(signed) == true)
                // The metrics are on the admin listener only.
                let text = try await LiveWebhooks.scrape(service)
                let publicMetrics = try await HTTPClient.shared.execute(HTTPClientRequest(url: publicURL + "/metrics"), timeout: .seconds(5))
                #expect(publicMetrics.status == .notFound)
                #expect(text.contains(#"dialer_twilio_signature_failures_total{route="/twilio/media"} 2"#))
            }
            let streams = try await dialing.db.scalar("SELECT count(*)::int FROM dialer.media_streams", as: Int.self)
            #expect(streams == 0)
        }
    }
}
