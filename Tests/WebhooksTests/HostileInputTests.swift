import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Sandbox
import Store
import TestSupport
import Testing
import Twilio
import Webhooks

/// Corpus-driven, seeded fuzzing of the three Twilio endpoints through the service `dialer
/// serve` runs: malformed, oversized, truncated, wrongly signed and replayed requests. Nothing
/// crashes, every refusal is a 4xx, nothing is written without a valid signature, and a
/// replayed valid callback changes nothing.
@Suite struct HostileInputTests {
    /// One hostile request.
    struct Case {
        var uri: String
        var body: [UInt8]
        var signature: String?
        var contentType = "application/x-www-form-urlencoded"
        var method: HTTPRequest.Method = .post
        var what: String
    }

    static let routes = ["/twilio/status", "/twilio/voice", "/twilio/amd"]
    static let strange = [
        "", "%", "%zz", "%E2%82", "a=%", "==", "&&&", "CallSid", "CallSid=", "CallSid=CA1&CallSid=CA2", "\u{0}", "CallSid=\u{0}",
        String(repeating: "A", count: 5_000), "CallStatus=completed&SequenceNumber=-1&CallSid=CA1",
        "SequenceNumber=99999999999999999999&CallSid=CA1&CallStatus=ringing",
        "CallSid=CA1&CallStatus=exploded&SequenceNumber=1", "CallSid=CA1&CallStatus=completed&SequenceNumber=x",
        "CallSid=%F0%9F%92%A3&CallStatus=ringing&SequenceNumber=1",
        "AnsweredBy=robot&CallSid=CA1", "CallSid=CA1&CallDuration=-5&CallStatus=completed&SequenceNumber=3", "{\"CallSid\": \"CA1\"}",
    ]

    /// Cases that must be refused before anything is written: every one lacks a valid
    /// signature for what it carries (forged, for another URL or token, tampered, truncated,
    /// random), or is too big to read.
    static func unsignedCorpus(attempt: String, seed: UInt64, count: Int) -> [Case] {
        var random = SeededGenerator(seed: seed)
        var cases: [Case] = []
        let valid = StatusCallbackTests.callback(0, "initiated")
        let validBody = Array(FormEncoding.encode(valid).utf8)
        for n in 0..<count {
            let route = random.pick(routes)
            let uri = route + (random.below(3) == 0 ? "" : "?attempt=\(attempt)")
            let goodSignature = TwilioSignature(authToken: StatusCallbackTests.authToken).signature(
                url: StatusCallbackTests.configuration.publicURL + uri,
                parameters: valid
            )
            switch n % 8 {
            case 0: cases.append(Case(uri: uri, body: validBody, signature: nil, what: "no signature"))
            case 1: cases.append(Case(uri: uri, body: validBody, signature: Data(random.bytes(20)).base64EncodedString(), what: "random signature"))
            case 2:
                let other = TwilioSignature(authToken: "not-the-token").signature(
                    url: StatusCallbackTests.configuration.publicURL + uri,
                    parameters: valid
                )
                cases.append(Case(uri: uri, body: validBody, signature: other, what: "another account's token"))
            case 3:
                let elsewhere = TwilioSignature(authToken: StatusCallbackTests.authToken).signature(
                    url: "https://evil.example.com" + uri,
                    parameters: valid
                )
                cases.append(Case(uri: uri, body: validBody, signature: elsewhere, what: "signed for another URL"))
            case 4:
                var tampered = valid
                tampered[2] = ("CallStatus", "completed")
                cases.append(
                    Case(uri: uri, body: Array(FormEncoding.encode(tampered).utf8), signature: goodSignature, what: "tampered after signing")
                )
            case 5:
                let cut = 1 + random.below(validBody.count - 1)
                cases.append(Case(uri: uri, body: Array(validBody.prefix(cut)), signature: goodSignature, what: "truncated at \(cut)"))
            case 6:
                let body = random.below(2) == 0 ? random.bytes(random.below(2_000)) : Array(random.pick(strange).utf8)
                cases.append(
                    Case(
                        uri: uri,
                        body: body,
                        signature: random.below(2) == 0 ? goodSignature : nil,
                        contentType: random.pick(["application/x-www-form-urlencoded", "application/json", "text/plain", ""]),
                        what: "garbage"
                    )
                )
            default:
                var body = validBody + Array("&Padding=".utf8)
                body += [UInt8](repeating: UInt8(ascii: "x"), count: 65 * 1024 + random.below(200_000))
                cases.append(Case(uri: uri, body: body, signature: goodSignature, what: "oversized"))
            }
        }
        return cases
    }

    static func send(_ client: some TestClientProtocol, _ hostile: Case) async throws -> HTTPResponse.Status {
        var headers: HTTPFields = [:]
        if !hostile.contentType.isEmpty { headers[.contentType] = hostile.contentType }
        if let signature = hostile.signature { headers[HTTPField.Name("X-Twilio-Signature")!] = signature }
        return try await client.execute(uri: hostile.uri, method: hostile.method, headers: headers, body: ByteBuffer(bytes: hostile.body)) {
            $0.status
        }
    }

    /// Everything the three routes can write, as one line.
    static func written(_ db: Database) async throws -> String {
        try await db.scalar(
            """
            SELECT concat_ws(' ', (SELECT count(*) FROM dialer.call_events), (SELECT count(*) FROM dialer.calls),
                             (SELECT count(*) FROM dialer.jobs), (SELECT count(*) FROM dialer.task_syncs),
                             (SELECT string_agg(state || coalesce(call_sid, '-'), ',') FROM dialer.call_attempts))
            """,
            as: String.self
        )
    }

    @Test func forgedTruncatedGarbledAndOversizedRequestsAreRefusedWithA4xxAndWriteNothing() async throws {
        try await TestDatabase.withFresh { db, _ in
            let attempt = try await StatusCallbackTests.attempt(db).uuidString.lowercased()
            let before = try await Self.written(db)
            let refusals = try await StatusCallbackTests.app(db).test(.router) { client in
                var refusals: [HTTPResponse.Status: Int] = [:]
                for hostile in Self.unsignedCorpus(attempt: attempt, seed: 20_261_206, count: 400) {
                    let status = try await Self.send(client, hostile)
                    #expect((400..<500).contains(status.code), "\(hostile.what) to \(hostile.uri): \(status)")
                    refusals[status, default: 0] += 1
                }
                // Methods the routes do not take, and paths that do not exist.
                for (method, uri) in [
                    (HTTPRequest.Method.get, "/twilio/status"), (.put, "/twilio/voice"), (.delete, "/twilio/amd"), (.post, "/twilio/../etc/passwd"),
                ] {
                    let status = try await client.execute(uri: uri, method: method) { $0.status }
                    #expect((400..<500).contains(status.code), "\(method) \(uri): \(status)")
                }
                // The service still answers a valid callback afterwards.
                let valid = try await StatusCallbackTests.post(
                    client,
                    "/twilio/status?attempt=\(attempt)",
                    StatusCallbackTests.callback(0, "initiated")
                )
                #expect(valid == .noContent)
                return refusals
            }
            #expect(Set(refusals.keys).isSubset(of: [.forbidden, .badRequest, .contentTooLarge]), "\(refusals)")
            #expect(refusals[.forbidden, default: 0] > 200 && refusals[.contentTooLarge, default: 0] > 0)
            // Only the one valid callback left a trace.
            let events = try await db.scalar("SELECT count(*)::int FROM dialer.call_events", as: Int.self)
            #expect(before.hasPrefix("0 0 ") && events == 1)
        }
    }

    @Test func validlySignedButMalformedCallbacksAreA400AndWriteNothing() async throws {
        try await TestDatabase.withFresh { db, _ in
            let attempt = try await StatusCallbackTests.attempt(db).uuidString.lowercased()
            let before = try await Self.written(db)
            try await StatusCallbackTests.app(db).test(.router) { client in
                var random = SeededGenerator(seed: 7)
                for n in 0..<150 {
                    var parameters = StatusCallbackTests.callback(1, "ringing")
                    switch n % 6 {
                    case 0: parameters.removeAll { $0.0 == "CallSid" }
                    case 1:
                        parameters = parameters.map {
                            $0.0 == "CallStatus" ? ("CallStatus", random.pick(["", "exploded", "RINGING", "ringing\u{0}"])) : $0
                        }
                    case 2:
                        // Beyond what an integer column holds (3000000000 was a 500), or no number at all.
                        let counter = random.pick(["SequenceNumber", "SequenceNumber", "CallDuration", "SipResponseCode"])
                        let value = random.pick(["", "-1", "x", "1e3", "99999999999999999999", "3000000000", "2147483648"])
                        parameters = parameters.filter { $0.0 != counter } + [(counter, value)]
                    case 3:
                        parameters = parameters.map { $0.0 == "CallSid" ? ("CallSid", random.pick(["", String(repeating: "C", count: 300)])) : $0 }
                    case 4: parameters.removeAll { $0.0 == "CallStatus" }
                    default: parameters = [(random.pick(["", "=", "%"]), String(decoding: random.bytes(8), as: UTF8.self))]
                    }
                    let status = try await StatusCallbackTests.post(
                        client,
                        random.pick(["/twilio/status", "/twilio/amd"]) + "?attempt=\(attempt)",
                        parameters
                    )
                    #expect(status == .badRequest, "case \(n % 6): \(parameters) → \(status)")
                }
            }
            #expect(try await Self.written(db) == before)
        }
    }

    /// A validly signed `SequenceNumber=3000000000` answered 500 (the integer column refused
    /// it): it is a 400 with nothing written, and the largest value the column holds is kept.
    @Test func aCounterBeyondWhatTheColumnHoldsIsA400AndTheLargestIsRecorded() async throws {
        try await TestDatabase.withFresh { db, _ in
            let uri = "/twilio/status?attempt=\(try await StatusCallbackTests.attempt(db).uuidString.lowercased())"
            try await StatusCallbackTests.app(db).test(.router) { client in
                for (name, value) in [("SequenceNumber", "3000000000"), ("CallDuration", "3000000000"), ("SipResponseCode", "2147483648")] {
                    let parameters = StatusCallbackTests.callback(1, "completed").filter { $0.0 != name } + [(name, value)]
                    let status = try await StatusCallbackTests.post(client, uri, parameters)
                    #expect(status == .badRequest, "\(name)=\(value)")
                }
                let refusedEvents = try await db.scalar("SELECT count(*)::int FROM dialer.call_events", as: Int.self)
                #expect(refusedEvents == 0)
                let largest = StatusCallbackTests.callback(1, "ringing").map { $0.0 == "SequenceNumber" ? ($0.0, "2147483647") : $0 }
                let status = try await StatusCallbackTests.post(client, uri, largest)
                #expect(status == .noContent)
                let kept = try await db.scalar("SELECT max(sequence_number)::bigint FROM dialer.call_events", as: Int.self)
                #expect(kept == 2_147_483_647)
            }
        }
    }

    @Test func aReplayedCallbackIsAnsweredAndChangesNothing() async throws {
        try await TestDatabase.withFresh { db, _ in
            let attempt = try await StatusCallbackTests.attempt(db).uuidString.lowercased()
            let uri = "/twilio/status?attempt=\(attempt)"
            try await StatusCallbackTests.app(db).test(.router) { client in
                for (sequence, status) in ["initiated", "ringing", "in-progress", "completed"].enumerated() {
                    #expect(try await StatusCallbackTests.post(client, uri, StatusCallbackTests.callback(sequence, status)) == .noContent)
                }
                let after = try await Self.written(db)
                // An attacker who captured signed callbacks replays them, in any order, many times.
                var random = SeededGenerator(seed: 11)
                for _ in 0..<60 {
                    let sequence = random.below(4)
                    let status = ["initiated", "ringing", "in-progress", "completed"][sequence]
                    #expect(try await StatusCallbackTests.post(client, uri, StatusCallbackTests.callback(sequence, status)) == .noContent)
                }
                #expect(try await Self.written(db) == after)
                #expect(try await db.scalar("SELECT status FROM dialer.calls", as: String.self) == "completed")
            }
        }
    }
}
