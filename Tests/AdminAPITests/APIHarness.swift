import AdminAPI
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Store
import TestSupport

/// The API on a router of its own, driven without a socket, over a fresh database; with keys
/// of every useful kind already made.
struct APIHarness: Sendable {
    let db: Database
    let client: any TestClientProtocol
    /// `read` only; `read` and `pii:read`; every scope.
    let reader: String
    let piiReader: String
    let admin: String

    static func run(_ body: @Sendable (APIHarness) async throws -> Void) async throws {
        try await TestDatabase.withFresh(maxConnections: 12) { db, _ in
            let keys = APIKeyStore(database: db)
            let reader = try await keys.create(name: "reader", scopes: [.read]).token
            let piiReader = try await keys.create(name: "pii", scopes: [.read, .piiRead]).token
            let admin = try await keys.create(name: "admin", scopes: Set(APIScope.allCases)).token
            let router = Router()
            DialerAPI(database: db, logger: Logger(label: "test.api")).addRoutes(to: router)
            try await Application(router: router).test(.router) { client in
                try await body(APIHarness(db: db, client: client, reader: reader, piiReader: piiReader, admin: admin))
            }
        }
    }

    /// A response, read whole.
    struct Answer: Sendable {
        let status: HTTPResponse.Status
        let headers: HTTPFields
        let body: Data

        var json: [String: Any] { ((try? JSONSerialization.jsonObject(with: body)) as? [String: Any]) ?? [:] }
        var text: String { String(decoding: body, as: UTF8.self) }
        /// The fields a problem names.
        var problemFields: [String] { (json["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String } }
    }

    func send(
        _ method: HTTPRequest.Method,
        _ uri: String,
        key: String?,
        json: String? = nil,
        headers extra: HTTPFields = [:]
    ) async throws -> Answer {
        var headers = extra
        if let key { headers[.authorization] = "Bearer \(key)" }
        if json != nil { headers[.contentType] = "application/json" }
        return try await client.execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) }) { response in
            Answer(status: response.status, headers: response.headers, body: Data(buffer: response.body))
        }
    }

    func count(_ table: String) async throws -> Int {
        try await db.scalar("SELECT count(*)::int FROM \(unescaped: table)", as: Int.self)
    }
}
