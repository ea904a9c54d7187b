import Foundation
import Hummingbird
import Salesforce
import Synchronization

/// A loopback stand-in for Salesforce's REST API, for the tests and `dialer-lab demo`.
///
/// It verifies JWT bearer assertions like Salesforce does, answers a real subset of SOQL over
/// its Contact and Task records with `nextRecordsUrl` paging, accepts Task and Contact writes
/// (single, `composite/sobjects`, external-ID upsert), and can be told to fail: expired
/// sessions, REQUEST_LIMIT_EXCEEDED, 500s, latency, a failing fraction. Every request it
/// receives is logged for tests to assert on.
public final class SandboxSalesforce: Sendable {
    /// Who may log in, and how results are paged.
    public struct Configuration: Sendable {
        public var clientID: String
        public var username: String
        /// The `aud` an assertion must carry. Salesforce checks it against its own login
        /// audiences (https://login.salesforce.com for production, https://test.salesforce.com
        /// for sandbox orgs), whichever host the token request reached, so this is not the
        /// Sandbox's base URL.
        public var audience: String
        /// The Connected App's OAuth scopes, as the token answer reports them: without `id`
        /// (or `full`) the identity URL is refused, as Salesforce refuses it.
        public var scopes: [String]
        /// The Connected App's certificate key, to verify assertions with.
        public var publicKeyPEM: String
        public var pageSize: Int

        public init(
            clientID: String,
            username: String,
            audience: String = "https://login.salesforce.com",
            scopes: [String] = ["api"],
            publicKeyPEM: String,
            pageSize: Int = 2000
        ) {
            self.clientID = clientID
            self.username = username
            self.audience = audience
            self.scopes = scopes
            self.publicKeyPEM = publicKeyPEM
            self.pageSize = pageSize
        }
    }

    /// Failures to inject; a test switches them on and off.
    public struct Faults: Sendable, Equatable {
        /// Answer every data request 403 REQUEST_LIMIT_EXCEEDED.
        public var requestLimitExceeded = false
        /// Answer this many of the next data requests with 500.
        public var serverErrors = 0
        /// Answer this fraction of data requests with 500, at random.
        public var failingFraction = 0.0
        /// Carry out this fraction of data requests, at random, and then answer them 500: the
        /// write happened, its answer was lost.
        public var lostAnswerFraction = 0.0
        /// Added before every answer.
        public var latency: Duration = .zero
        /// Added before a Task or Contact write is carried out, after the other checks: a write
        /// still in flight, which no query sees yet.
        public var writeLatency: Duration = .zero
        /// Expire every session after this many data requests (0: never), as a token timing out mid-import.
        public var expireSessionsEvery = 0
        /// Refuse Task writes whose Subject contains this, with FIELD_CUSTOM_VALIDATION_EXCEPTION.
        public var rejectSubjectsContaining: String?

        public init() {}
    }

    /// One request as the Sandbox received it.
    public struct LoggedRequest: Sendable, Equatable {
        public let method: String
        public let path: String
        public let query: String?
        public let body: String
        public let status: Int
    }

    struct Cursor {
        var records: [SandboxRecord]
        var fields: [String]
    }

    struct State {
        var records: [String: SandboxRecord] = [:]
        /// Insertion order, so unordered queries answer in a stable order.
        var order: [String] = []
        var tokens: Set<String> = []
        var cursors: [String: Cursor] = [:]
        var faults = Faults()
        var hooks = Hooks()
        /// Task creates and updates carried out, for `Hooks.afterTaskWrite`.
        var taskWrites = 0
        var log: [LoggedRequest] = []
        var nextID = 1
        var dataRequests = 0
        var baseURL = "http://127.0.0.1"
    }

    public let configuration: Configuration
    let state = Mutex(State())
    /// Held for each upsert's find-then-write.
    let upserts = Mutex(())

    public init(configuration: Configuration) {
        self.configuration = configuration
        // The integration user, the one the identity URL names, for queries on User.
        insert([
            SandboxRecord(
                type: "User",
                fields: [
                    "Id": .string(Self.integrationUserID), "Username": .string(configuration.username), "Name": .string("Dialer Integration"),
                ]
            )
        ])
    }

    static let organizationID = "00DSB0000000001AAA"
    static let integrationUserID = "005SB0000000001AAA"

    /// Where clients reach this Sandbox: the `instance_url` it hands out. Set it once the
    /// server's port is known.
    public var baseURL: String {
        get { state.withLock { $0.baseURL } }
        set { state.withLock { $0.baseURL = newValue } }
    }

    public var faults: Faults {
        get { state.withLock { $0.faults } }
        set { state.withLock { $0.faults = newValue } }
    }

    /// Invalidates every session handed out so far: the next data request gets 401 INVALID_SESSION_ID.
    public func expireSessions() {
        state.withLock { $0.tokens.removeAll() }
    }

    /// Every request received so far, oldest first.
    public var requests: [LoggedRequest] { state.withLock { $0.log } }

    public func clearLog() { state.withLock { $0.log.removeAll() } }

    /// Adds records; each gets an 18-character id of its type's prefix unless it has one.
    @discardableResult
    public func insert(_ records: [SandboxRecord]) -> [String] {
        state.withLock { state in
            records.map { record in
                var record = record
                let id = record.id ?? Self.makeID(type: record.type, number: &state.nextID)
                record["Id"] = .string(id)
                if state.records[id] == nil { state.order.append(id) }
                state.records[id] = record
                return id
            }
        }
    }

    /// All records of `type`, in insertion order.
    public func records(ofType type: String) -> [SandboxRecord] {
        state.withLock { state in
            state.order.compactMap { state.records[$0] }.filter { $0.type.lowercased() == type.lowercased() }
        }
    }

    public func record(id: String) -> SandboxRecord? {
        state.withLock { $0.records[id] }
    }

    /// Salesforce-style ids: a 3-character key prefix per object, 18 characters in all.
    static func makeID(type: String, number: inout Int) -> String {
        let prefix =
            switch type.lowercased() {
            case "contact": "003"
            case "task": "00T"
            case "account": "001"
            case "user": "005"
            default: "a00"
            }
        defer { number += 1 }
        let digits = String(number)
        return prefix + "SB" + String(repeating: "0", count: 10 - digits.count) + digits + "AAA"
    }

    /// The routes, to mount in an `Application` (tests) or serve on a port (demo).
    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.middlewares.add(SandboxRequestLog(sandbox: self))
        addOAuthRoutes(to: router)
        addIdentityRoute(to: router)
        addDataRoutes(to: router)
        return router
    }
}
