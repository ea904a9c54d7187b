import AsyncHTTPClient
import Foundation
import HTTPTypes
import HummingbirdWSClient
import NIOCore
import NIOHTTP1
import Store
import TestSupport
import Testing
import Twilio
import Voice
import VoiceBenchmark
import Webhooks

/// Seeded fuzzing of the media WebSocket, the one Twilio endpoint that is not a form POST:
/// forged handshakes are a 400 (Hummingbird's answer to any refused upgrade), counted as
/// signature failures, and never a socket; garbage, truncated, type-confused, deeply
/// nested, oversized and out-of-range messages are skipped or close the socket, and never take
/// the server down; a start whose ids are forged, or replayed for a call already streamed or
/// ended, is closed as a policy violation. Only the one true stream writes anything.
@Suite struct MediaStreamHostileInputTests {
    /// Handshakes that must be refused: none carries a valid signature for the stream URL.
    static func forgedSignatures(publicURL: String, token: String, seed: UInt64, count: Int) -> [(what: String, signature: String?)] {
        var random = SeededGenerator(seed: seed)
        let streamURL = "ws" + publicURL.dropFirst("http".count) + MediaSocketClient.streamPath
        let valid = TwilioSignature(authToken: token).signature(url: streamURL)
        return (0..<count).map { n -> (what: String, signature: String?) in
            switch n % 8 {
            case 0: return ("none", String?.none)
            case 1: return ("empty", "")
            case 2: return ("random", Data(random.bytes(20)).base64EncodedString())
            case 3: return ("another token", TwilioSignature(authToken: token + "x").signature(url: streamURL))
            case 4: return ("the http URL", TwilioSignature(authToken: token).signature(url: publicURL + MediaSocketClient.streamPath))
            case 5: return ("with parameters", TwilioSignature(authToken: token).signature(url: streamURL, parameters: [("attempt", "1")]))
            case 6: return ("truncated", String(valid.prefix(random.below(valid.count))))
            default:
                var bytes = Array(valid.utf8)
                let at = random.below(bytes.count)
                bytes[at] = bytes[at] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
                return ("one character changed", String(decoding: bytes, as: UTF8.self))
            }
        }
    }

    /// Text messages a stream may send that are not Media Streams JSON, or are JSON no Twilio
    /// would send; each derived from a real message so the decoder gets past the first byte.
    static func garbage(from valid: [String], seed: UInt64, count: Int) -> [String] {
        var random = SeededGenerator(seed: seed)
        let values = ["{}", "[]", "null", "-1", "1e308", "\"99999999999999999999\"", "\"\\u0000\"", "true", "\"9223372036854775807\""]
        return (0..<count).map { n in
            let message = random.pick(valid)
            switch n % 7 {
            case 0: return String(message.prefix(random.below(message.count)))
            case 1:
                // A value swapped for another type.
                let quoted = message.ranges(of: #""1""#) + message.ranges(of: #""MZfuzz1""#) + message.ranges(of: #""inbound""#)
                guard let range = quoted.isEmpty ? nil : random.pick(quoted) else { return message + "}" }
                return message.replacingCharacters(in: range, with: random.pick(values))
            case 2: return #"{"event":"media","media":"# + String(repeating: "[", count: 2_000 + random.below(12_000))
            case 3: return #"{"event":\#(random.pick(values + ["\"start\"", "\"media\"", "\"stop\""])),"streamSid":"MZfuzz1"}"#
            case 4: return String(decoding: random.bytes(1 + random.below(400)).map { $0 & 0x7F }, as: UTF8.self)
            case 5: return #"{"event":"media","streamSid":"\#(String(repeating: "M", count: 12_000))"}"#
            default: return message.replacingOccurrences(of: "\"", with: "'")
            }
        }
    }

    @Test func forgedHandshakesAreRefusedAndMessagesNeverTakeTheServerDown() async throws {
        try await Dialing.with(contacts: 2) { dialing in
            let (live, ended) = (dialing.contacts[0], dialing.contacts[1])
            func attempt(_ contact: Int64, _ sid: String) async throws -> UUID {
                try await dialing.db.scalar(
                    """
                    INSERT INTO dialer.call_attempts (contact_id, campaign_id, attempt_number, state, to_e164, from_e164, call_sid)
                    VALUES (\(contact), \(dialing.campaignID), 1, 'placed', '+12125550000', \(Dialing.from), \(sid)) RETURNING id
                    """,
                    as: UUID.self
                )
            }
            let liveAttempt = try await attempt(live, "CAfuzz1")
            let endedAttempt = try await attempt(ended, "CAfuzz2")
            try await dialing.db.execute("INSERT INTO dialer.calls (call_sid, attempt_id, status) VALUES ('CAfuzz2', \(endedAttempt), 'completed')")
            @Sendable func parameters(_ attempt: UUID, _ contact: Int64) -> [String: String] {
                ["attempt": attempt.uuidString.lowercased(), "campaign": String(dialing.campaignID), "contact": String(contact)]
            }
            let trueStart = MediaSocketClient.start(streamSID: "MZfuzz1", callSID: "CAfuzz1", parameters: parameters(liveAttempt, live))
            let media = MediaStreamMessage.media(
                .init(
                    sequenceNumber: 2,
                    streamSid: "MZfuzz1",
                    track: "inbound",
                    chunk: 1,
                    timestamp: 20,
                    payload: [UInt8](repeating: 0xFF, count: 160)
                )
            ).json
            let token = dialing.sandbox.configuration.authToken

            try await LiveWebhooks.withWebhookService(dialing, voice: ConversationBenchmark.standIns) { service in
                let publicURL = service.publicURL
                // 1. Forged handshakes: refused and counted, no socket; other methods and a
                // signature 8 KB long, 4xx.
                let forged = Self.forgedSignatures(publicURL: publicURL, token: token, seed: 41, count: 48)
                for (what, signature) in forged {
                    #expect(try await MediaSocketClient.handshake(publicURL, signature: signature) == 400, "\(what)")
                }
                let scraped = try await LiveWebhooks.scrape(service)
                #expect(scraped.contains(#"dialer_twilio_signature_failures_total{route="/twilio/media"} \#(forged.count)"#))
                let huge = String(repeating: "A", count: 8_192)
                #expect((400..<500).contains(try await MediaSocketClient.handshake(publicURL, signature: huge)))
                for method in [HTTPMethod.POST, .PUT, .DELETE] {
                    #expect((400..<500).contains(try await MediaSocketClient.handshake(publicURL, signature: nil, method: method)), "\(method)")
                }

                // 2. Starts that name no live call of ours, then garbage: closed, or read and skipped.
                var random = SeededGenerator(seed: 43)
                let forgedStarts: [[String: String]] = [
                    [:],
                    parameters(UUID(), live),
                    parameters(liveAttempt, live + 1_000),
                    parameters(liveAttempt, live).merging(["campaign": "1 OR 1=1"]) { $1 },
                    parameters(liveAttempt, live).merging(["contact": "\(live); DROP TABLE dialer.calls"]) { $1 },
                    parameters(endedAttempt, ended),
                ]
                for (n, forged) in forgedStarts.enumerated() {
                    let callSID = n == 5 ? "CAfuzz2" : random.pick(["CAfuzz1", "CAforged\(n)"])
                    let close = try await MediaSocketClient.connect("forged start \(n)", publicURL, token: token) { inbound, outbound in
                        try await outbound.write(
                            .text(MediaSocketClient.start(streamSID: "MZforged\(n)", callSID: callSID, parameters: forged))
                        )
                        try await outbound.write(.text(media))
                        for try await _ in inbound.messages(maxSize: 1 << 16) {}
                    }
                    #expect(close?.closeCode == .policyViolation, "forged start \(n)")
                }
                // The true ids, as the logs show them, with a captured handshake: without this
                // call's token (none, another call's, made up) or from another account, refused.
                let trueIDs = parameters(liveAttempt, live)
                let anotherCallsToken = MediaStreamCredential(authToken: token).token(attemptID: liveAttempt, callSID: "CAfuzz3")
                let stolen: [(sid: String, start: String)] = [
                    ("MZstolen0", MediaSocketClient.start(streamSID: "MZstolen0", callSID: "CAfuzz1", parameters: trueIDs, token: nil)),
                    (
                        "MZstolen1",
                        MediaSocketClient.start(
                            streamSID: "MZstolen1",
                            callSID: "CAfuzz1",
                            parameters: trueIDs.merging([MediaStreamCredential.parameter: anotherCallsToken]) { $1 }
                        )
                    ),
                    (
                        "MZstolen2",
                        MediaSocketClient.start(
                            streamSID: "MZstolen2",
                            callSID: "CAfuzz1",
                            parameters: trueIDs.merging([MediaStreamCredential.parameter: "AAAA"]) { $1 }
                        )
                    ),
                    (
                        "MZstolen3",
                        MediaSocketClient.start(
                            streamSID: "MZstolen3",
                            callSID: "CAfuzz1",
                            parameters: trueIDs,
                            token: token + "x"
                        )
                    ),
                    (
                        "MZstolen4",
                        MediaSocketClient.start(
                            streamSID: "MZstolen4",
                            callSID: "CAfuzz1",
                            parameters: trueIDs,
                            accountSID: "ACsomeoneelse00000000000000000000"
                        )
                    ),
                ]
                for (sid, start) in stolen {
                    let close = try await MediaSocketClient.connect(sid, publicURL, token: token) { inbound, outbound in
                        try await outbound.write(.text(start))
                        try await outbound.write(.text(media))
                        for try await _ in inbound.messages(maxSize: 1 << 16) {}
                    }
                    #expect(close?.closeCode == .policyViolation, "\(sid)")
                }
                // Garbage made from a forged start (one made from the true start could bind the
                // call before its test): a message that still decodes as a start is closed.
                let forgedStart = MediaSocketClient.start(streamSID: "MZgarbage", callSID: "CAfuzz1", parameters: forgedStarts[2])
                for round in 0..<12 {
                    let binary = random.bytes(1 + random.below(2_000))
                    let close = try await MediaSocketClient.connect("garbage round \(round)", publicURL, token: token) { _, outbound in
                        do {
                            for text in Self.garbage(from: [forgedStart, media], seed: 100 + UInt64(round), count: 14) {
                                try await outbound.write(.text(text))
                            }
                            try await outbound.write(.binary(ByteBuffer(bytes: binary)))
                        } catch {}  // closed by the server
                    }
                    #expect(
                        [nil, .normalClosure, .policyViolation, .messageTooLarge].contains(close?.closeCode),
                        "round \(round): \(String(describing: close))"
                    )
                }
                // A frame over the limit (16 KiB) ends the socket.
                let tooBig = try await MediaSocketClient.connect("too big", publicURL, token: token) { inbound, outbound in
                    try await outbound.write(.text(String(repeating: "x", count: 70_000)))
                    for try await _ in inbound.messages(maxSize: 1 << 16) {}
                }
                #expect(tooBig?.closeCode == .messageTooLarge)

                // 3. The true stream, with garbage and out-of-range values between its frames.
                let hostile =
                    Self.garbage(from: [media], seed: 47, count: 40) + [
                        MediaStreamMessage.media(
                            .init(sequenceNumber: 3, streamSid: "MZfuzz1", track: "inbound", chunk: 2, timestamp: Int.max, payload: [0xFF])
                        ).json,
                        // A whole frame near Int.max trapped the session's arithmetic: the process died.
                        MediaStreamMessage.media(
                            .init(
                                sequenceNumber: 3,
                                streamSid: "MZfuzz1",
                                track: "inbound",
                                chunk: 2,
                                timestamp: Int.max - 1,
                                payload: [UInt8](repeating: 0x7F, count: 160)
                            )
                        ).json,
                        MediaStreamMessage.media(
                            .init(
                                sequenceNumber: Int.max,
                                streamSid: "MZfuzz1",
                                track: "inbound",
                                chunk: Int.max,
                                timestamp: 40,
                                payload: [UInt8](repeating: 0x7F, count: 160)
                            )
                        ).json,
                        MediaStreamMessage.media(
                            .init(sequenceNumber: 4, streamSid: "MZfuzz1", track: "inbound", chunk: 3, timestamp: -40, payload: [])
                        ).json,
                        MediaStreamMessage.media(
                            .init(
                                sequenceNumber: 5,
                                streamSid: "MZfuzz1",
                                track: "inbound",
                                chunk: 4,
                                timestamp: 0,
                                payload: [UInt8](repeating: 0x7F, count: 11_000)
                            )
                        ).json,
                        #"{"event":"mark","streamSid":"MZfuzz1","mark":{"name":"\#(String(repeating: "m", count: 10_000))"}}"#,
                        #"{"event":"dtmf","streamSid":"MZfuzz1","dtmf":{"track":"inbound_track","digit":"\u0000"}}"#,
                    ]
                let undecodable = hostile.filter { (try? MediaStreamMessage(json: $0)) == nil }.count
                // Frames of another track are skipped, as Twilio's outbound track would be.
                let decodedFrames = hostile.filter {
                    if case .media(let frame)? = try? MediaStreamMessage(json: $0) { frame.track == "inbound" || frame.track.isEmpty } else { false }
                }.count
                try await MediaSocketClient.connect("the true stream", publicURL, token: token) { inbound, outbound in
                    try await outbound.write(.text(trueStart))
                    for (n, text) in hostile.enumerated() {
                        try await outbound.write(.text(text))
                        try await outbound.write(.text(media))
                        // 4. While it is open, the same handshake and start replayed: refused.
                        if n == 10 {
                            let replay = try await MediaSocketClient.connect("replay during the call", publicURL, token: token) { inbound, outbound in
                                try await outbound.write(.text(trueStart.replacingOccurrences(of: "MZfuzz1", with: "MZreplay1")))
                                for try await _ in inbound.messages(maxSize: 1 << 16) {}
                            }
                            #expect(replay?.closeCode == .policyViolation)
                        }
                    }
                    // The opening has begun (its first audio is here) before the stop: on a loaded
                    // machine the stop could otherwise come before anything was said.
                    for try await message in inbound.messages(maxSize: 1 << 16) {
                        if case .text(let text) = message, text.contains(#""event":"media""#) { break }
                    }
                    try await outbound.write(
                        .text(
                            MediaStreamMessage.stop(.init(sequenceNumber: 999, streamSid: "MZfuzz1", accountSid: "ACtest", callSid: "CAfuzz1")).json
                        )
                    )
                }
                let ended = try await eventually {
                    try await dialing.db.scalar(
                        "SELECT count(*)::int FROM dialer.media_streams WHERE stream_sid = 'MZfuzz1' AND ended_at IS NOT NULL",
                        as: Int.self
                    ) == 1
                }
                #expect(ended)
                // After it ended, replayed once more, stream id and all: refused.
                let lateReplay = try await MediaSocketClient.connect("replay after the call", publicURL, token: token) { inbound, outbound in
                    try await outbound.write(.text(trueStart))
                    for try await _ in inbound.messages(maxSize: 1 << 16) {}
                }
                #expect(lateReplay?.closeCode == .policyViolation)
                let health = try await HTTPClient.shared.execute(HTTPClientRequest(url: publicURL + "/healthz"), timeout: .seconds(5))
                #expect(health.status == .ok)

                let bound = try await dialing.db.rows(
                    "SELECT stream_sid, frames_received, malformed FROM dialer.media_streams WHERE attempt_id IS NOT NULL",
                    as: (String, Int, Int).self
                )
                #expect(
                    bound.map { "\($0.0) frames \($0.1) malformed \($0.2)" } == [
                        "MZfuzz1 frames \(hostile.count + decodedFrames) malformed \(undecodable)"
                    ]
                )
                let refused = Set(
                    try await dialing.db.scalar(
                        "SELECT string_agg(stream_sid, ' ') FROM dialer.media_streams WHERE attempt_id IS NULL AND ended_at IS NOT NULL",
                        as: String.self
                    ).split(separator: " ").map(String.init)
                )
                let expected = Set(forgedStarts.indices.map { "MZforged\($0)" } + stolen.map(\.sid) + ["MZreplay1"])
                #expect(refused.isSuperset(of: expected), "every forged start and the replay during the call, recorded refused and closed")
                #expect(refused.subtracting(expected).isSubset(of: ["MZgarbage"]), "the late replay reused a stream id: no row")
                #expect(
                    try await dialing.db.scalar(
                        "SELECT count(*)::int FROM dialer.media_streams WHERE attempt_id IS NULL AND ended_at IS NULL",
                        as: Int.self
                    ) == 0
                )
                let writtenFor = try await dialing.db.rows("SELECT DISTINCT call_sid FROM dialer.transcript_entries", as: String.self)
                #expect(writtenFor == ["CAfuzz1"])
                #expect(try await dialing.db.scalar("SELECT count(*)::int FROM dialer.calls", as: Int.self) == 1, "no callback was forged on the way")
            }
        }
    }

    /// A message may come in fragments (continuation frames): they are assembled, so a start
    /// sent in three binds its call, and limited as a whole, so fragments adding up past
    /// 16 KiB close the stream with 1009 however small each one is.
    @Test func fragmentedMessagesAreAssembledAndLimitedAsAWhole() async throws {
        try await Dialing.with(contacts: 1) { dialing in
            let (_, parameters) = try await dialing.placedAttempt(callSID: "CAfrag1")
            let token = dialing.sandbox.configuration.authToken
            try await LiveWebhooks.withWebhooks(dialing, voice: ConversationBenchmark.standIns) { publicURL in
                let start = Array(MediaSocketClient.start(streamSID: "MZfrag1", callSID: "CAfrag1", parameters: parameters).utf8)
                let third = start.count / 3
                let bound = try await MediaSocketClient.connect("a fragmented start", publicURL, token: token) { inbound, outbound in
                    try await outbound.write(.custom(.init(fin: false, opcode: .text, data: ByteBuffer(bytes: start[..<third]))))
                    try await outbound.write(.custom(.init(fin: false, opcode: .continuation, data: ByteBuffer(bytes: start[third..<(2 * third)]))))
                    try await outbound.write(.custom(.init(fin: true, opcode: .continuation, data: ByteBuffer(bytes: start[(2 * third)...]))))
                    // The agent speaks: the start was read whole and bound the call.
                    for try await message in inbound.messages(maxSize: 1 << 16) {
                        if case .text(let text) = message, text.contains(#""event":"media""#) { break }
                    }
                    try await outbound.write(
                        .text(
                            MediaStreamMessage.stop(
                                .init(sequenceNumber: 9, streamSid: "MZfrag1", accountSid: SandboxHarness.accountSID, callSid: "CAfrag1")
                            ).json
                        )
                    )
                }
                #expect(bound?.closeCode != .messageTooLarge)
                let tooBig = try await MediaSocketClient.connect("fragments past the limit", publicURL, token: token) { inbound, outbound in
                    do {
                        try await outbound.write(.custom(.init(fin: false, opcode: .text, data: ByteBuffer(string: #"{"event":""#))))
                        for _ in 0..<20 {
                            try await outbound.write(
                                .custom(.init(fin: false, opcode: .continuation, data: ByteBuffer(repeating: 0x61, count: 1024)))
                            )
                        }
                    } catch {}  // closed by the server
                    for try await _ in inbound.messages(maxSize: 1 << 16) {}
                }
                #expect(tooBig?.closeCode == .messageTooLarge)
                let health = try await HTTPClient.shared.execute(HTTPClientRequest(url: publicURL + "/healthz"), timeout: .seconds(5))
                #expect(health.status == .ok)
            }
            let streams = try await dialing.db.rows("SELECT stream_sid FROM dialer.media_streams WHERE attempt_id IS NOT NULL", as: String.self)
            #expect(streams == ["MZfrag1"])
        }
    }
}
