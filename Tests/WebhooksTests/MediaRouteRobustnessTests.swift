import AsyncHTTPClient
import Foundation
import HTTPTypes
import HummingbirdWSClient
import NIOCore
import Store
import TestSupport
import Testing
import Twilio
import Voice
import VoiceBenchmark
import Webhooks

/// What a media stream may send that Twilio would not: the service counts it, skips it, and
/// keeps serving, and a stream that names no attempt of ours is closed before it converses.
@Suite struct MediaRouteRobustnessTests {
    @Test func malformedMessagesAreCountedAndSkippedAndUnknownStreamsClosed() async throws {
        try await Dialing.with(contacts: 1) { dialing in
            let contact = dialing.contacts[0]
            let (attempt, parameters) = try await dialing.placedAttempt(callSID: "CArobust1")
            let token = dialing.sandbox.configuration.authToken
            try await LiveWebhooks.withWebhooks(dialing, voice: ConversationBenchmark.standIns) { publicURL in
                // Garbage before and after the start, then a proper end.
                try await MediaSocketClient.connect(publicURL, token: token) { inbound, outbound in
                    try await outbound.write(.text("not json"))
                    try await outbound.write(.binary(ByteBuffer(bytes: [0, 1, 2])))
                    try await outbound.write(.text(#"{"event":"media","media":{"payload":"!!"}}"#))
                    try await outbound.write(.text(MediaSocketClient.start(streamSID: "MZrobust1", callSID: "CArobust1", parameters: parameters)))
                    for n in 0..<100 {
                        let frame = MediaStreamMessage.media(
                            .init(
                                sequenceNumber: n + 2,
                                streamSid: "MZrobust1",
                                track: "inbound",
                                chunk: n + 1,
                                timestamp: n * 20,
                                payload: [UInt8](repeating: 0xFF, count: 160)
                            )
                        )
                        try await outbound.write(.text(frame.json))
                        if n == 50 { try await outbound.write(.text(#"{"event":"#)) }
                    }
                    // The opening has begun (its first audio is here) before the stop: on a loaded
                    // machine the stop could otherwise come before anything was said.
                    for try await message in inbound.messages(maxSize: 1 << 16) {
                        if case .text(let text) = message, text.contains(#""event":"media""#) { break }
                    }
                    try await outbound.write(
                        .text(
                            MediaStreamMessage.stop(.init(sequenceNumber: 200, streamSid: "MZrobust1", accountSid: "ACtest", callSid: "CArobust1"))
                                .json
                        )
                    )
                }
                // Ids that do not match the attempt: closed as a policy violation.
                let wrong = parameters.merging(["contact": String(contact + 1000)]) { _, new in new }
                let refused = try await MediaSocketClient.connect(publicURL, token: token) { inbound, outbound in
                    try await outbound.write(.text(MediaSocketClient.start(streamSID: "MZrobust2", callSID: "CArobust1", parameters: wrong)))
                    for try await _ in inbound.messages(maxSize: 1 << 16) {}
                }
                #expect(refused?.closeCode == .policyViolation)

                let ended = try await eventually {
                    try await dialing.db.scalar(
                        "SELECT count(*)::int FROM dialer.media_streams WHERE stream_sid = 'MZrobust1' AND ended_at IS NOT NULL",
                        as: Int.self
                    ) == 1
                }
                #expect(ended)
                let health = try await HTTPClient.shared.execute(HTTPClientRequest(url: publicURL + "/healthz"), timeout: .seconds(5))
                #expect(health.status == .ok)
            }
            let rows = try await dialing.db.rows(
                "SELECT stream_sid, attempt_id IS NOT NULL, frames_received, malformed FROM dialer.media_streams ORDER BY stream_sid",
                as: (String, Bool, Int, Int).self
            )
            #expect(
                rows.map { "\($0.0) bound \($0.1) frames \($0.2) malformed \($0.3)" } == [
                    "MZrobust1 bound true frames 100 malformed 4",
                    "MZrobust2 bound false frames 0 malformed 0",
                ]
            )
            let entries = try await dialing.db.scalar(
                "SELECT count(*)::int FROM dialer.transcript_entries WHERE call_sid = 'CArobust1'",
                as: Int.self
            )
            #expect(entries >= 1, "the opening, at least")
        }
    }
}
