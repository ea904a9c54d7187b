import Foundation
import Sandbox
import Store
import TestSupport
import Testing
import Twilio
import Voice

/// A callee who asks for a person, inside the campaign's transfer hours, over a real
/// socket: the agent's line is heard to its last mark, then the live call's TwiML becomes a
/// `<Dial>` of the transfer number whose whisper names the callee, and the call, its
/// contact and its Task say where it went.
@Suite(.runsAlone("real time: whole calls over the media socket with the embedded recognizer")) struct HandOffTests {
    @Test func aCalleeWhoAsksForAPersonIsPutThroughAfterTheLineIsHeard() async throws {
        try await Dialing.with(contacts: 1) { dialing in
            try await dialing.db.execute(
                """
                UPDATE dialer.campaigns SET transfer_number = '+14155550199', transfer_hours_start = '00:00',
                       transfer_hours_end = '23:59:59.999999', transfer_time_zone = 'UTC'
                """
            )
            try await dialing.db.execute("UPDATE dialer.contacts SET first_name = 'Grace', last_name = 'Hopper'")
            dialing.sandbox.script(Dialing.number(0), .human)
            dialing.sandbox.speak(Dialing.number(0), .says("operator"))
            let control = TwilioClient(configuration: dialing.twilio, logger: TestDatabase.testLogger)

            try await LiveWebhooks.withWebhooks(dialing, voice: try LiveConversationTests.embeddedVoice(), control: control) { publicURL in
                try await LiveCallbackTests.dialAll(dialing, publicURL: publicURL, timeout: .seconds(90))
                let closed = try await eventually(timeout: .seconds(15)) {
                    try await dialing.db.scalar("SELECT count(*)::int FROM dialer.media_streams WHERE ended_at IS NOT NULL", as: Int.self) == 1
                }
                #expect(closed)
            }

            // The agent said its line, heard to the end, and said nothing after it.
            let spoken = try await TranscriptRow.all(dialing.db, contact: dialing.contacts[0])
            #expect(spoken.last == TranscriptRow(speaker: "agent", text: HandOffPolicy.standard.line, interrupted: false), "\(spoken)")
            let intents = try await dialing.db.rows(
                "SELECT coalesce(intent, '-') FROM dialer.transcript_entries ORDER BY seq",
                as: String.self
            )
            #expect(intents.suffix(2) == ["hand_off", "hand_off"], "the callee's words and the agent's line")

            // Twilio was told to dial the transfer number, with a whisper naming the callee.
            let call = try #require(dialing.sandbox.calls.first)
            let twiml = try #require(call.redirectedTwiML)
            #expect(twiml.contains(">+14155550199</Number></Dial>") && twiml.contains("/twilio/whisper?attempt="))
            #expect(call.dialed == "+14155550199")
            let whisper = try #require(dialing.sandbox.deliveries.first { $0.kind == .whisper })
            #expect(whisper.responseStatus == 200)
            #expect(whisper.responseBody.contains("<Say>Call from Grace Hopper, handed over by the dialer"), "\(whisper.responseBody)")
            // The redirect came once the line's last mark was back.
            let session = try #require(dialing.sandbox.mediaSessions.first)
            #expect(session.marksEchoed.last == session.marksReceived.last)
            #expect(session.agentAudioPlayedMs == session.agentAudioReceivedMs)

            // The call, its contact and its Task say where it went.
            let transferred = try await dialing.db.scalar("SELECT transferred_to FROM dialer.calls", as: String?.self)
            #expect(transferred == "+14155550199")
            let outcome = try await dialing.db.scalar("SELECT outcome FROM dialer.contacts", as: String?.self)
            #expect(outcome == "transferred")
        }
    }
}
