import Foundation
import Hummingbird
import Synchronization

/// A loopback stand-in for Twilio's Calls REST resource, for tests, benchmarks and the demo.
///
/// This part answers create, fetch, list and hang-up with Twilio-shaped JSON and errors, checks
/// Basic auth, can be told to answer 429 (with Retry-After) or 500, and logs every request.
/// Simulating each call (ringing, outcomes, signed status callbacks, the media stream) builds
/// on it.
public final class SandboxTwilio: Sendable {
    public struct Configuration: Sendable {
        public var accountSID: String
        public var authToken: String
        /// Numbers the account owns: a From outside them is error 21212.
        public var ownedNumbers: Set<String>

        public init(accountSID: String, authToken: String, ownedNumbers: Set<String>) {
            self.accountSID = accountSID
            self.authToken = authToken
            self.ownedNumbers = ownedNumbers
        }
    }

    /// Failures to inject on call creates.
    public struct Faults: Sendable, Equatable {
        /// Answer this many of the next creates with 429 (error 20429) and this Retry-After.
        public var tooManyRequests = 0
        public var retryAfterSeconds = 1
        /// Answer this many of the next creates with 500, after creating the call anyway
        /// (the ambiguous case: the caller cannot know the call exists).
        public var serverErrorsAfterCreating = 0
        public var latency: Duration = .zero

        public init() {}
    }

    /// One request as received.
    public struct LoggedRequest: Sendable, Equatable {
        public let method: String
        public let path: String
        public let form: [String: [String]]
        public let status: Int
    }

    /// A call the Sandbox holds.
    public struct Call: Sendable, Equatable {
        public var sid: String
        public var to: String
        public var from: String
        public var status: String
        public var startTime: Date
        public var request: [String: [String]]
    }

    struct State {
        var calls: [String: Call] = [:]
        var order: [String] = []
        var faults = Faults()
        var log: [LoggedRequest] = []
        var nextNumber = 1
    }

    public let configuration: Configuration
    let state = Mutex(State())

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    public var faults: Faults {
        get { state.withLock { $0.faults } }
        set { state.withLock { $0.faults = newValue } }
    }

    public var requests: [LoggedRequest] { state.withLock { $0.log } }

    /// Every call created, in order.
    public var calls: [Call] { state.withLock { state in state.order.compactMap { state.calls[$0] } } }

    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        // "/Accounts/AC….json": the account is one path segment with its extension.
        router.get("/2010-04-01/Accounts/{account}") { request, context in
            try await self.handle(request, context) { _ in
                (200, .object(["sid": .string(self.configuration.accountSID), "friendly_name": .string("Dialer Sandbox"),
                               "status": .string("active"), "type": .string("Full")]))
            }
        }
        let account = router.group("/2010-04-01/Accounts/{account}")
        account.post("/Calls.json") { request, context in
            try await self.handle(request, context) { form in self.create(form) }
        }
        account.get("/Calls.json") { request, context in
            try await self.handle(request, context) { _ in
                self.list(to: request.uri.queryParameters["To"].map { String($0) }, since: request.uri.queryParameters["StartTime>"].map { String($0) })
            }
        }
        account.get("/Calls/{sid}") { request, context in
            try await self.handle(request, context) { _ in self.fetch(context.parameters.get("sid") ?? "") }
        }
        account.post("/Calls/{sid}") { request, context in
            try await self.handle(request, context) { form in self.update(context.parameters.get("sid") ?? "", form) }
        }
        return router
    }
}
