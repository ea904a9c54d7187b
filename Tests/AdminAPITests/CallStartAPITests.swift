import AdminAPI
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Store
import TestSupport
import Testing
import Worker

/// `POST /v1/calls` and the seed's `POST /twilio/outbound/call` over HTTP: 202 with an id that
/// `GET /v1/calls/{id}` reads at once, `scheduledFor` outside calling hours, 400 naming the
/// field (409 for a closed campaign) with nothing written, and the Idempotency-Key kept.
@Suite struct CallStartAPITests {
    static let from = "+14155550100"
    static let number = "+12125551007"
    /// 2026-11-25 12:00 and 22:00 in New York.
    static let noon = Date(timeIntervalSince1970: 1_795_626_000)
    static let tenPM = Date(timeIntervalSince1970: 1_795_662_000)

    /// The API as `dialer serve` wires it with `DIALER_DEFAULT_FROM` set, on a window clock
    /// that says `now`.
    static func run(now: Date = noon, _ body: @Sendable (APIHarness) async throws -> Void) async throws {
        try await TestDatabase.withFresh(maxConnections: 12) { db, _ in
            let keys = APIKeyStore(database: db)
            let reader = try await keys.create(name: "reader", scopes: [.read]).token
            let piiReader = try await keys.create(name: "pii", scopes: [.read, .piiRead]).token
            let admin = try await keys.create(name: "admin", scopes: Set(APIScope.allCases)).token
            let router = Router()
            let calls = CallRequests(database: db, defaultFrom: from, now: { now })
            DialerAPI(database: db, logger: Logger(label: "test.api"), callRequests: calls).addRoutes(to: router)
            try await Application(router: router).test(.router) { client in
                try await body(APIHarness(db: db, client: client, reader: reader, piiReader: piiReader, admin: admin))
            }
        }
    }

    @Test func aCallToANumberIsAcceptedAndReadableByItsIdAtOnce() async throws {
        try await Self.run { api in
            let posted = try await api.send(.post, "/v1/calls", key: api.admin, json: #"{"to": "\#(Self.number)", "message": "Your table is ready"}"#)
            #expect(posted.status == .accepted, "\(posted.text)")
            #expect(posted.json["state"] as? String == "queued" && posted.json["campaign"] as? String == "api" && posted.json["scheduledFor"] == nil)
            let id = try #require(posted.json["id"] as? String)
            let masked = try await api.send(.get, "/v1/calls/\(id)", key: api.reader)
            #expect(masked.status == .ok && masked.json["id"] as? String == id && masked.json["state"] as? String == "queued", "\(masked.text)")
            #expect(masked.json["to"] as? String == "…1007" && masked.json["from"] as? String == Self.from && masked.json["attempt"] as? Int == 0)
            let full = try await api.send(.get, "/v1/calls/\(id)", key: api.piiReader)
            #expect(full.json["to"] as? String == Self.number)
            #expect(try await api.count("dialer.call_requests") == 1)
            #expect(try await api.db.scalar("SELECT count(*)::int FROM dialer.jobs WHERE kind = 'place_call'", as: Int.self) == 1)
            // A read-only key may not start calls.
            let forbidden = try await api.send(.post, "/v1/calls", key: api.reader, json: #"{"to": "\#(Self.number)"}"#)
            #expect(forbidden.status == .forbidden)
        }
    }

    @Test func outsideCallingHoursTheAnswerSaysWhenItWillBeDialed() async throws {
        try await Self.run(now: Self.tenPM) { api in
            let posted = try await api.send(.post, "/v1/calls", key: api.admin, json: #"{"to": "\#(Self.number)"}"#)
            #expect(posted.status == .accepted && posted.json["state"] as? String == "scheduled", "\(posted.text)")
            // 08:00 in New York the next morning.
            #expect(posted.json["scheduledFor"] as? String == "2026-11-26T13:00:00Z")
            let id = try #require(posted.json["id"] as? String)
            let status = try await api.send(.get, "/v1/calls/\(id)", key: api.reader)
            #expect(status.json["state"] as? String == "scheduled" && status.json["scheduledFor"] is String, "\(status.text)")
        }
    }

    @Test func badInputIs400NamingTheFieldAndWritesNothing() async throws {
        try await Self.run { api in
            try await api.db.execute(
                "INSERT INTO dialer.campaigns (name, soql, status, from_number) VALUES ('winter', 'x', 'cancelled', '+14155550100')"
            )
            let refused: [(String, HTTPResponse.Status, String)] = [
                ("{}", .badRequest, "/contactId"),
                (#"{"contactId": "003-not-an-id"}"#, .badRequest, "/contactId"),
                (#"{"to": "2125551007"}"#, .badRequest, "/to"),
                (#"{"to": "\#(Self.number)", "from": "+1 415 555 0100"}"#, .badRequest, "/from"),
                (#"{"to": "\#(Self.number)", "message": "\#(String(repeating: "x", count: 1_001))"}"#, .badRequest, "/message"),
                (#"{"to": "\#(Self.number)", "message": "a\u0000b"}"#, .badRequest, "/message"),
                (#"{"to": "\#(Self.number)", "campaign": "spring"}"#, .badRequest, "/campaign"),
                (#"{"to": "\#(Self.number)", "campaign": "win\u0000ter"}"#, .badRequest, "/campaign"),
                (#"{"to": "\#(Self.number)", "campaign": "winter"}"#, .conflict, "/campaign"),
            ]
            for (body, status, field) in refused {
                let answer = try await api.send(.post, "/v1/calls", key: api.admin, json: body, headers: [HTTPField.Name("Idempotency-Key")!: "k"])
                #expect(answer.status == status && answer.problemFields == [field], "\(body): \(answer.text)")
                #expect(answer.headers[.contentType] == "application/problem+json")
            }
            #expect(try await api.count("dialer.call_requests") == 0)
            #expect(try await api.count("dialer.jobs") == 0)
            #expect(try await api.count("dialer.idempotency_keys") == 0)
            #expect(try await api.db.scalar("SELECT count(*)::int FROM dialer.campaigns WHERE name = 'api'", as: Int.self) == 0)
            // The key a refused request carried is free: a good request under it is performed.
            let good = try await api.send(
                .post,
                "/v1/calls",
                key: api.admin,
                json: #"{"to": "\#(Self.number)"}"#,
                headers: [HTTPField.Name("Idempotency-Key")!: "k"]
            )
            #expect(good.status == .accepted, "\(good.text)")
        }
    }

    @Test func theSameIdempotencyKeyReplaysTheFirstAnswerAndAnotherBodyIs409() async throws {
        try await Self.run { api in
            let key: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "retry-1"]
            let body = #"{"to": "\#(Self.number)", "message": "once"}"#
            let first = try await api.send(.post, "/v1/calls", key: api.admin, json: body, headers: key)
            // The same fields in another order: the same request.
            let again = try await api.send(.post, "/v1/calls", key: api.admin, json: #"{"message": "once", "to": "\#(Self.number)"}"#, headers: key)
            #expect(first.status == .accepted && again.status == .accepted, "\(again.text)")
            #expect(first.json["id"] as? String == again.json["id"] as? String && first.json["id"] != nil)
            #expect(try await api.count("dialer.call_requests") == 1)
            let other = try await api.send(.post, "/v1/calls", key: api.admin, json: #"{"to": "+12125551008"}"#, headers: key)
            #expect(other.status == .conflict && other.problemFields == ["Idempotency-Key"], "\(other.text)")
            #expect(try await api.count("dialer.call_requests") == 1)
        }
    }

    @Test func theSeedsRouteStartsACallInTheSeedsShape() async throws {
        try await Self.run { api in
            let posted = try await api.send(
                .post,
                "/twilio/outbound/call",
                key: api.admin,
                json: #"{"contactId": "003SB00000000RQAAA", "customMessage": "About your renewal"}"#
            )
            #expect(posted.status == .accepted && posted.json["status"] as? String == "queued", "\(posted.text)")
            let id = try #require(posted.json["id"] as? String)
            let status = try await api.send(.get, "/twilio/call/\(id)/status", key: api.reader)
            #expect(status.status == .ok && status.json["status"] as? String == "queued", "\(status.text)")
            let call = try await api.send(.get, "/v1/calls/\(id)", key: api.reader)
            #expect(call.json["contactId"] as? String == "003SB00000000RQAAA")
            let bad = try await api.send(.post, "/twilio/outbound/call", key: api.admin, json: #"{"toNumber": "555-0142"}"#)
            #expect(bad.status == .badRequest && bad.problemFields == ["/toNumber"], "\(bad.text)")
        }
    }
}
