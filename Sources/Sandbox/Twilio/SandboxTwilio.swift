import Foundation
import Hummingbird
import Synchronization

/// A loopback stand-in for Twilio's Calls REST resource and its calls, for tests, benchmarks
/// and the demo.
///
/// It answers create, fetch, list and hang-up with Twilio-shaped JSON and errors (the fields,
/// statuses, error codes and list paging of Twilio's OpenAPI description), checks Basic auth
/// by Auth Token or API key, and logs every request. Each created call is then simulated as Twilio would place it:
/// creates above the account's calls per second wait in a queue; the call rings, ends as
/// scripted for its number (or by the configured mix), fetches its voice URL when answered,
/// and reports to its StatusCallback with signed requests carrying Twilio's parameters, which
/// can be duplicated and shuffled. It can be told to answer 429 or 500 instead.
public final class SandboxTwilio: Sendable {
    public struct Configuration: Sendable {
        public var accountSID: String
        public var authToken: String
        /// The account's API keys, SID (`SK…`) to secret: Basic auth as `SK…:secret` is
        /// accepted as Twilio accepts it, on this account's resources only.
        public var apiKeys: [String: String] = [:]
        /// Numbers the account owns, and caller IDs it verified: a From that is neither is
        /// error 21210 (a number not verified) or 21212 (not a number at all), as on Twilio.
        public var ownedNumbers: Set<String>
        public var verifiedCallerIDs: Set<String> = []
        /// The account's CPS: calls created faster than this are queued (status `queued`) and
        /// leave the queue 1/CPS apart, as Twilio does; creates are never refused for it.
        public var callsPerSecond: Double = 100
        public var timing = Timing()
        /// The outcome of numbers without a script, unless `outcomeMix` is set.
        public var defaultOutcome: SimulatedOutcome = .human
        /// Outcomes by share, picked by a hash of the number, so a number always ends the same.
        public var outcomeMix: [WeightedOutcome] = []
        /// The most calls a list page holds, whatever `PageSize` asks: 1000 on Twilio; tests
        /// lower it to make a client follow `next_page_uri`.
        public var largestPageSize = 1000
        /// False: calls are created and stay queued; nothing is simulated or called back.
        public var simulatesCalls = true
        /// What a person says on the media stream when their number has no script of its
        /// own (`speak(_:_:)`).
        public var defaultCalleeScript = CalleeScript.agreeable
        /// The hosts callbacks and media streams may go to: loopback, plus the private
        /// addresses of hosts a run made on this machine (`dialer-lab hosts`); a URL elsewhere
        /// is logged as undelivered, so nothing ever leaves the machine.
        public var reachableHosts = SandboxMediaStream.loopbackHosts

        public init(accountSID: String, authToken: String, ownedNumbers: Set<String>) {
            self.accountSID = accountSID
            self.authToken = authToken
            self.ownedNumbers = ownedNumbers
        }
    }

    /// How long the phases of a simulated call last.
    public struct Timing: Sendable, Equatable {
        public var ring: Duration = .milliseconds(50)
        /// A person or machine talks this long unless the TwiML hangs up or the API does.
        public var talk: Duration = .milliseconds(300)
        public var requestTimeout: Duration = .seconds(5)

        public init() {}
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
        /// Extra time every create waits in the account's queue before it is dialed, as when
        /// other traffic on the account holds its calls per second (Twilio queues for up to
        /// 24 hours); the call is `queued`, with no start time, until then.
        public var queueDelay: Duration = .zero

        public init() {}
    }

    /// How status callbacks are delivered: Twilio gives no ordering guarantee and may repeat.
    public struct CallbackDelivery: Sendable, Equatable {
        /// Every callback is sent twice.
        public var duplicated = false
        /// A call's callbacks are held until it ends, then sent in random order.
        public var shuffled = false

        public init(duplicated: Bool = false, shuffled: Bool = false) {
            self.duplicated = duplicated
            self.shuffled = shuffled
        }
    }

    /// One request as received.
    public struct LoggedRequest: Sendable, Equatable {
        public let method: String
        public let path: String
        public let form: [String: [String]]
        public let status: Int
        /// When the request reached the Sandbox (before its body was read).
        public let receivedAt: Date
    }

    /// One request the Sandbox sent to the dialer, as Twilio would.
    public struct Delivery: Sendable, Equatable {
        public enum Kind: String, Sendable {
            /// The voice URL, fetched for TwiML when the call is answered.
            case voice
            case status
            /// The AsyncAmdStatusCallback.
            case amd
            /// A `<Dial><Number url>`'s whisper, fetched when the dialed person answers.
            case whisper
        }

        public let kind: Kind
        public let url: String
        public let parameters: [String: String]
        public let signature: String
        /// The dialer's HTTP status; nil when it could not be reached.
        public let responseStatus: Int?
        public let responseBody: String
        public let sentAt: Date
    }

    /// A call the Sandbox holds.
    public struct Call: Sendable, Equatable {
        public var sid: String
        public var to: String
        public var from: String
        public var status: String
        public var outcome: SimulatedOutcome
        public var dateCreated: Date
        /// When the call leaves the CPS queue and starts ringing.
        public var dequeueAt: Date
        public var startTime: Date?
        public var answeredAt: Date?
        public var endTime: Date?
        /// When the Sandbox last changed the call (its `date_updated`).
        public var dateUpdated: Date?
        public var duration: Int?
        public var answeredBy: String?
        public var request: [String: [String]]
        /// What the voice URL answered.
        public var twiml: String?
        /// TwiML a Calls update put in place of it (a hand-off's `<Dial>`).
        public var redirectedTwiML: String?
        /// The number that TwiML dialed, once the call was put through.
        public var dialed: String?
        var hangUpRequested = false
        var nextSequenceNumber = 0
    }

    struct State {
        var calls: [String: Call] = [:]
        var order: [String] = []
        var scripts: [String: SimulatedOutcome] = [:]
        var calleeScripts: [String: CalleeScript] = [:]
        var mediaSessions: [MediaSessionLog] = []
        var faults = Faults()
        var hooks = Hooks()
        var callbackDelivery = CallbackDelivery()
        var log: [LoggedRequest] = []
        var deliveries: [Delivery] = []
        var nextNumber = 1
        var nextDequeue = Date.distantPast
        var simulations: [String: Task<Void, Never>] = [:]
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

    public var callbackDelivery: CallbackDelivery {
        get { state.withLock { $0.callbackDelivery } }
        set { state.withLock { $0.callbackDelivery = newValue } }
    }

    /// Makes every call to `number` end with `outcome`.
    public func script(_ number: String, _ outcome: SimulatedOutcome) {
        state.withLock { $0.scripts[number] = outcome }
    }

    /// Makes the person who answers `number` say `callee` once the media stream is open.
    public func speak(_ number: String, _ callee: CalleeScript) {
        state.withLock { $0.calleeScripts[number] = callee }
    }

    /// Every media stream opened so far (for `<Connect><Stream>`), as the callee heard it.
    public var mediaSessions: [MediaSessionLog] { state.withLock { $0.mediaSessions } }

    public var requests: [LoggedRequest] { state.withLock { $0.log } }

    /// Every request sent to the dialer, in the order sent.
    public var deliveries: [Delivery] { state.withLock { $0.deliveries } }

    /// Every call created, in order.
    public var calls: [Call] { state.withLock { state in state.order.compactMap { state.calls[$0] } } }

    /// Waits until every simulated call so far has ended and made its callbacks.
    public func settle() async {
        while let pending = state.withLock({ $0.simulations.values.first }) {
            await pending.value
        }
    }

    /// As `settle()`, for at most `limit`: the calls still simulating then (a callback or a
    /// media stream that never ends), by SID and status; empty when all ended in time.
    public func settle(within limit: Duration) async -> [(sid: String, status: String)] {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline, state.withLock({ !$0.simulations.isEmpty }) {
            try? await Task.sleep(for: .milliseconds(50))
        }
        return state.withLock { state in
            state.simulations.keys.sorted().map { ($0, state.calls[$0]?.status ?? "?") }
        }
    }

    /// Stops simulating: calls in progress end where they are, without callbacks.
    public func shutdown() {
        for task in state.withLock({ $0.simulations.values }) { task.cancel() }
    }

    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        // "/Accounts/AC….json": the account is one path segment with its extension.
        router.get("/2010-04-01/Accounts/{account}") { request, context in
            try await self.handle(request, context) { _ in
                (
                    200,
                    .object([
                        "sid": .string(self.configuration.accountSID), "friendly_name": .string("Dialer Sandbox"),
                        "status": .string("active"), "type": .string("Full"),
                    ])
                )
            }
        }
        let account = router.group("/2010-04-01/Accounts/{account}")
        account.post("/Calls.json") { request, context in
            try await self.handle(request, context) { form in self.create(form) }
        }
        account.get("/Calls.json") { request, context in
            try await self.handle(request, context) { _ in
                self.list(query: request.uri.query ?? "")
            }
        }
        account.get("/IncomingPhoneNumbers.json") { request, context in
            try await self.handle(request, context) { _ in
                self.numbers(
                    self.configuration.ownedNumbers,
                    matching: request.uri.queryParameters["PhoneNumber"].map { String($0) },
                    key: "incoming_phone_numbers"
                )
            }
        }
        account.get("/OutgoingCallerIds.json") { request, context in
            try await self.handle(request, context) { _ in
                self.numbers(
                    self.configuration.verifiedCallerIDs,
                    matching: request.uri.queryParameters["PhoneNumber"].map { String($0) },
                    key: "outgoing_caller_ids"
                )
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
