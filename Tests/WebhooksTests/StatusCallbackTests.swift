import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Store
import TestSupport
import Testing
import Twilio
import Webhooks

@Suite struct StatusCallbackTests {
    static let authToken = "webhook-test-token"
    static let configuration = TwilioWebhookConfiguration(publicURL: "https://dialer.example.com", authToken: authToken)

    /// The service `dialer serve` runs.
    static func app(
        _ db: Database,
        configuration: TwilioWebhookConfiguration = Self.configuration,
        metrics: WebhookMetrics = WebhookMetrics()
    ) -> some ApplicationProtocol {
        Application(router: WebhookRouter.make(database: db, configuration: configuration, control: nil, metrics: metrics))
    }

    static func form(_ parameters: [(String, String)]) -> ByteBuffer { ByteBuffer(string: FormEncoding.encode(parameters)) }

    /// Posts `parameters` to `uri`, signed as Twilio signs (unless `signature` is given).
    static func post(
        _ client: some TestClientProtocol,
        _ uri: String,
        _ parameters: [(String, String)],
        signature: String? = nil,
        token: String = Self.authToken
    ) async throws -> HTTPResponse.Status {
        try await send(client, uri, parameters, signature: signature, token: token).status
    }

    /// The same, with the answer's body.
    static func send(
        _ client: some TestClientProtocol,
        _ uri: String,
        _ parameters: [(String, String)],
        signature: String? = nil,
        token: String = Self.authToken
    ) async throws -> (status: HTTPResponse.Status, body: String) {
        let signed = signature ?? TwilioSignature(authToken: token).signature(url: Self.configuration.publicURL + uri, parameters: parameters)
        return try await client.execute(
            uri: uri,
            method: .post,
            headers: [.contentType: "application/x-www-form-urlencoded", HTTPField.Name("X-Twilio-Signature")!: signed],
            body: form(parameters)
        ) { ($0.status, String(buffer: $0.body)) }
    }

    static func callback(_ sequence: Int, _ status: String, sid: String = "CA1") -> [(String, String)] {
        var parameters = [
            ("AccountSid", "ACtest"), ("CallSid", sid), ("CallStatus", status), ("SequenceNumber", "\(sequence)"),
            ("Timestamp", "Wed, 25 Nov 2026 17:00:0\(sequence) +0000"), ("To", "+14155550123"), ("From", "+14155550100"),
        ]
        if ["completed", "busy"].contains(status) {
            parameters += [("CallDuration", status == "completed" ? "42" : "0"), ("SipResponseCode", status == "completed" ? "200" : "486")]
        }
        return parameters
    }

    /// An active campaign, a contact, and an attempt that Twilio accepted as CA1.
    static func attempt(_ db: Database) async throws -> UUID {
        try await db.firstAttempt().attempt
    }

    static func events(_ db: Database) async throws -> Int { try await db.scalar("SELECT count(*)::int FROM dialer.call_events", as: Int.self) }

    @Test func theLifecycleThroughHTTPEndsCompletedWithOneFinalizeJob() async throws {
        try await TestDatabase.withFresh { db, _ in
            let attempt = try await Self.attempt(db)
            try await Self.app(db).test(.router) { client in
                let uri = "/twilio/status?attempt=\(attempt.uuidString.lowercased())"
                for (sequence, status) in ["initiated", "ringing", "in-progress", "completed"].enumerated() {
                    let status1 = try await Self.post(client, uri, Self.callback(sequence, status))
                    #expect(status1 == .noContent)
                }
                // Twilio sends again: recorded once, nothing moves.
                let status2 = try await Self.post(client, uri, Self.callback(1, "ringing"))
                #expect(status2 == .noContent)
            }
            let row = try await db.scalar(
                "SELECT status || ' ' || sequence_number || ' ' || duration_seconds || ' ' || to_char(answered_at AT TIME ZONE 'UTC', 'HH24:MI:SS') FROM dialer.calls",
                as: String.self
            )
            #expect(row == "completed 3 42 17:00:02")
            #expect(try await Self.events(db) == 4)
            // Every parameter is kept as received.
            let kept = try await db.scalar(
                "SELECT (params->>'To') || ' ' || (params->>'CallDuration') || ' ' || (SELECT count(*) FROM jsonb_object_keys(params)) FROM dialer.call_events WHERE status = 'completed'",
                as: String.self
            )
            #expect(kept == "+14155550123 42 9")
            #expect(try await db.scalar("SELECT count(*)::int FROM dialer.jobs WHERE unique_key = 'finalize:CA1'", as: Int.self) == 1)
        }
    }

    @Test func aBadOrMissingSignatureIsA403AndNothingIsWritten() async throws {
        try await TestDatabase.withFresh { db, _ in
            let attempt = try await Self.attempt(db)
            try await Self.app(db).test(.router) { client in
                let uri = "/twilio/status?attempt=\(attempt.uuidString.lowercased())"
                let status3 = try await Self.post(client, uri, Self.callback(0, "initiated"), token: "another-accounts-token")
                #expect(status3 == .forbidden)
                let status4 = try await Self.post(client, uri, Self.callback(0, "initiated"), signature: "")
                #expect(status4 == .forbidden)
                // Signed for other parameters, or for another URL.
                let signature = TwilioSignature(authToken: Self.authToken)
                    .signature(url: Self.configuration.publicURL + uri, parameters: Self.callback(0, "initiated"))
                let status5 = try await Self.post(client, uri, Self.callback(0, "completed"), signature: signature)
                #expect(status5 == .forbidden)
                #expect(
                    try await Self.post(
                        client,
                        "/twilio/status?attempt=00000000-0000-0000-0000-000000000000",
                        Self.callback(0, "initiated"),
                        signature: signature
                    ) == .forbidden
                )
                let unsigned = try await client.execute(
                    uri: uri,
                    method: .post,
                    headers: [.contentType: "application/x-www-form-urlencoded"],
                    body: Self.form(Self.callback(0, "initiated"))
                ) { $0.status }
                #expect(unsigned == .forbidden)
            }
            #expect(try await Self.events(db) == 0)
            #expect(try await db.scalar("SELECT count(*)::int FROM dialer.calls", as: Int.self) == 0)
        }
    }

    @Test func aMalformedCallbackIsA400AnOversizedOneA413AndAnUnknownCallAnOrphan() async throws {
        try await TestDatabase.withFresh { db, _ in
            try await Self.app(db).test(.router) { client in
                let status6 = try await Self.post(client, "/twilio/status", [("CallStatus", "ringing")])
                #expect(status6 == .badRequest)
                let status7 = try await Self.post(client, "/twilio/status", [("CallSid", "CA1"), ("CallStatus", "dancing")])
                #expect(status7 == .badRequest)
                let status8 = try await Self.post(
                    client,
                    "/twilio/status",
                    Self.callback(0, "ringing").map { $0.0 == "SequenceNumber" ? ($0.0, "x") : $0 }
                )
                #expect(status8 == .badRequest)
                let status9 = try await Self.post(client, "/twilio/status", [("CallSid", "CA1"), ("Padding", String(repeating: "x", count: 70_000))])
                #expect(status9 == .contentTooLarge)
                #expect(try await Self.events(db) == 0)
                let status10 = try await Self.post(client, "/twilio/status?attempt=not-a-uuid", Self.callback(0, "ringing", sid: "CA404"))
                #expect(status10 == .noContent)
            }
            #expect(try await db.scalar("SELECT count(*)::int FROM dialer.call_events WHERE orphan AND call_sid = 'CA404'", as: Int.self) == 1)
        }
    }

    /// Every official vector, sent over HTTP to a server whose public URL is the vector's
    /// origin: a signature Twilio's library accepts gets through (here to a route that answers
    /// 204 after the same check the status route makes); a changed one is a 403.
    @Test func everySignatureVectorIsJudgedThroughHTTPAsTwiliosLibraryJudgesIt() async throws {
        let vectors = TwilioSignatureVector.all.filter { $0.url != nil }
        #expect(vectors.count == 9)
        for vector in vectors {
            let url = URL(string: vector.url!)!
            let origin = "\(url.scheme!)://\(url.host!)" + (url.port.map { ":\($0)" } ?? "")
            let uri = String(vector.url!.dropFirst(origin.count))
            let signature = vector.signature ?? vector.expected_signature!
            let configuration = TwilioWebhookConfiguration(publicURL: origin, authToken: vector.auth_token)
            let router = Router()
            router.post("**") { request, context -> Response in
                _ = try await SignedTwilioRequest.read(request, configuration: configuration, logger: context.logger)
                return Response(status: .noContent)
            }
            try await Application(router: router).test(.router) { client in
                let body = vector.body.map { ByteBuffer(string: $0) } ?? Self.form(vector.parameters)
                let contentType = vector.body == nil ? "application/x-www-form-urlencoded" : "application/json"
                func send(_ signature: String, _ body: ByteBuffer) async throws -> HTTPResponse.Status {
                    try await client.execute(
                        uri: uri,
                        method: .post,
                        headers: [
                            .contentType: contentType, HTTPField.Name("X-Twilio-Signature")!: signature,
                        ],
                        body: body
                    ) { $0.status }
                }
                let judged = try await send(signature, body)
                #expect(judged == (vector.expected_valid == false ? .forbidden : .noContent), "\(vector.id)")
                // Our own cases: one character of the signature, or of the body, changed.
                let tampered = String(signature.dropLast(2)) + (signature.dropLast().last == "A" ? "B" : "A") + String(signature.suffix(1))
                let judgedTampered = try await send(tampered, body)
                #expect(judgedTampered == .forbidden, "\(vector.id) with a changed signature")
                var changedBody = body
                changedBody.writeString(vector.body == nil ? "&Extra=1" : " ")
                let judgedChanged = try await send(signature, changedBody)
                #expect(judgedChanged == .forbidden, "\(vector.id) with a changed body")
            }
        }
    }
}
