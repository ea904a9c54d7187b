import AsyncHTTPClient
import Console
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import Store
import TestSupport

/// The console's routes on a loopback port, and a client that follows no redirect, so the
/// tests see the 303s and cookies a browser sees.
struct ConsoleServer: Sendable {
    let baseURL: String
    let client: HTTPClient

    /// `logger`, when given, is the server's and the console's queries' (both at trace level).
    static func with(_ db: Database, logger: Logger? = nil, _ body: @Sendable (ConsoleServer) async throws -> Void) async throws {
        let port = try LoopbackPort.unused()
        let router = Router()
        ConsoleRoutes.add(to: router, database: logger.map { Database(client: db.client, logger: $0) } ?? db)
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: port)),
            logger: logger ?? TestDatabase.testLogger
        )
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
        let server = ConsoleServer(baseURL: "http://127.0.0.1:\(port)", client: client)
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await app.runService() }
                let up = try await eventually(timeout: .seconds(10)) { (try? await server.get("/console/sign-in").status) == .ok }
                guard up else { throw TestSetupError("the console did not start") }
                try await body(server)
                group.cancelAll()
            }
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    struct Answer: Sendable {
        let status: HTTPResponseStatus
        let headers: HTTPHeaders
        let body: String

        var location: String? { headers.first(name: "Location") }
        /// The Set-Cookie header for the session cookie, whole.
        var sessionCookieHeader: String? { headers["Set-Cookie"].first { $0.hasPrefix("\(ConsoleRoutes.cookieName)=") } }
        /// The session id the answer set, if it set one.
        var sessionID: String? {
            sessionCookieHeader.flatMap { $0.split(separator: ";").first }.map { String($0.dropFirst(ConsoleRoutes.cookieName.count + 1)) }
        }
        /// The CSRF token of the page's forms.
        var csrf: String? {
            body.firstMatch(of: /name="csrf" value="([^"]+)"/).map { String($0.1) }
        }
    }

    func get(_ path: String, session: String? = nil, headers: [(String, String)] = []) async throws -> Answer {
        var request = HTTPClientRequest(url: baseURL + path)
        if let session { request.headers.add(name: "Cookie", value: "\(ConsoleRoutes.cookieName)=\(session)") }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        return try await answer(request)
    }

    func post(_ path: String, form: [String: String], session: String? = nil, headers: [(String, String)] = []) async throws -> Answer {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        if let session { request.headers.add(name: "Cookie", value: "\(ConsoleRoutes.cookieName)=\(session)") }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let body = form.map { "\(Self.encode($0.key))=\(Self.encode($0.value))" }.joined(separator: "&")
        request.body = .bytes(ByteBuffer(string: body))
        return try await answer(request)
    }

    /// Signs in with `token`; the session id, when the console gave one.
    func signIn(_ token: String, headers: [(String, String)] = []) async throws -> (answer: Answer, session: String?) {
        let answer = try await post("/console/sign-in", form: ["key": token], headers: headers)
        return (answer, answer.sessionID)
    }

    private func answer(_ request: HTTPClientRequest) async throws -> Answer {
        let response = try await client.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 22)
        return Answer(status: response.status, headers: response.headers, body: String(buffer: body))
    }

    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
    }
}

/// A campaign with one placed call to `number`, for pages to show.
struct ConsoleFixture: Sendable {
    let campaignID: Int64
    let name: String
    let callSID: String

    static func make(
        _ db: Database,
        name: String = "spring renewals",
        number: String = "+12125551234",
        status: String = "active"
    ) async throws
        -> ConsoleFixture
    {
        let campaign = try await db.scalar(
            """
            INSERT INTO dialer.campaigns (name, soql, status, from_number) VALUES (\(name), 'SELECT Id FROM Contact', \(status), '+14155550100')
            RETURNING id
            """,
            as: Int64.self
        )
        let contact = try await db.scalar(
            """
            INSERT INTO dialer.contacts (campaign_id, salesforce_id, phone_e164, time_zone, time_zone_source)
            VALUES (\(campaign), '003SB0000001000AAA', \(number), 'America/New_York', 'area_code') RETURNING id
            """,
            as: Int64.self
        )
        let sid = "CA" + String(repeating: "0", count: 31) + "1"
        try await db.execute(
            """
            INSERT INTO dialer.call_attempts (contact_id, campaign_id, attempt_number, state, to_e164, from_e164, call_sid)
            VALUES (\(contact), \(campaign), 1, 'placed', \(number), '+14155550100', \(sid))
            """
        )
        return ConsoleFixture(campaignID: campaign, name: name, callSID: sid)
    }

    func status(_ db: Database) async throws -> String {
        try await db.scalar("SELECT status FROM dialer.campaigns WHERE id = \(campaignID)", as: String.self)
    }

    var path: String { "/console/campaigns/\(ConsoleServer.encode(name))" }
}
