import AsyncHTTPClient
import Backoff
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// Twilio's Calls REST API, with Basic auth by Account SID or API key.
///
/// Reads retry freely. A call create is retried only when Twilio certainly did nothing
/// (429 with its Retry-After, a refused connection); any other failure after the request may
/// have arrived (a timeout, a 5xx, a dropped connection) is `TwilioError.ambiguous`, because a
/// blind retry could ring a person twice. The caller reconciles instead (the Calls list by To
/// and creation time).
public final class TwilioClient: Sendable {
    public let configuration: TwilioConfiguration
    let http: HTTPClient
    let logger: Logger
    let backoff: RetryBackoff
    /// When Twilio last answered anything, for `isCold`.
    let lastAnswer = Mutex<ContinuousClock.Instant?>(nil)

    public init(
        configuration: TwilioConfiguration,
        http: HTTPClient = .shared,
        logger: Logger,
        backoff: RetryBackoff = RetryBackoff(base: 0.5, factor: 2, cap: 10, jitter: 0.2)
    ) {
        self.configuration = configuration
        self.http = http
        self.logger = logger
        self.backoff = backoff
    }

    var accountPath: String { "/2010-04-01/Accounts/\(configuration.accountSID)" }

    /// Places a call. See the type's note on which failures are retried.
    ///
    /// `retrying: false` makes the one POST the only one: a caller that paced the call to a rate
    /// slot must not have it sent again seconds later, outside its slot; it takes a new slot.
    public func createCall(_ call: CallRequest, retrying: Bool = true) async throws -> TwilioCall {
        try await send(.POST, "\(accountPath)/Calls.json", form: call.form, idempotent: false, retries: retrying ? configuration.maxRetries : 0)
            .decode(TwilioCall.self)
    }

    public func call(sid: String) async throws -> TwilioCall {
        try await send(.GET, "\(accountPath)/Calls/\(sid).json", idempotent: true).decode(TwilioCall.self)
    }

    /// Every call the account made to `to` created on or after `since`, queued ones included,
    /// newest first: what reconciliation needs to know whether an attempt became a call.
    ///
    /// Not filtered by `StartTime`: a call waiting in Twilio's queue (above the account's calls
    /// per second, for as long as 24 hours) has no start time yet, so a `StartTime>=` list
    /// misses exactly the call that must not be placed twice. Twilio lists calls newest first
    /// by `date_created`, so paging stops at the first page that reaches back before `since`;
    /// the queued calls are also asked for on their own (`Status=queued`), whatever their age.
    public func calls(to: String, createdOnOrAfter since: Date) async throws -> [TwilioCall] {
        let number = FormEncoding.percentEncode(to)
        let recent = try await listCalls("To=\(number)&PageSize=\(Self.listPageSize)") { page in
            page.contains { call in call.dateCreated.map { $0 < since } ?? false }
        }
        let queued = try await listCalls("To=\(number)&Status=queued&PageSize=\(Self.listPageSize)") { _ in false }
        var seen = Set<String>()
        let all = (recent + queued).filter { call in
            // A call without a readable date_created is kept: better reconciled than redialed.
            seen.insert(call.sid).inserted && (call.dateCreated.map { $0 >= since } ?? true)
        }
        return all.sorted { ($0.dateCreated ?? .distantFuture) > ($1.dateCreated ?? .distantFuture) }
    }

    /// Twilio's largest page: few round trips for a number's calls.
    static let listPageSize = 1000

    /// The Calls list for `query`, following `next_page_uri` until the last page or until
    /// `enough` says the page just read makes later ones useless.
    func listCalls(_ query: String, enough: ([TwilioCall]) -> Bool) async throws -> [TwilioCall] {
        var path: String? = "\(accountPath)/Calls.json?\(query)"
        var calls: [TwilioCall] = []
        while let next = path {
            let page = try await send(.GET, next, idempotent: true).decode(TwilioCallPage.self)
            calls += page.calls
            path = enough(page.calls) || page.calls.isEmpty ? nil : page.next_page_uri
        }
        return calls
    }

    /// Replaces a live call's TwiML (`Twiml`): what it does now, instead of what it was doing
    /// (a hand-off to a person). Not retried: a second update would restart the new TwiML.
    public func redirect(sid: String, to twiml: TwiML) async throws -> TwilioCall {
        try await send(.POST, "\(accountPath)/Calls/\(sid).json", form: [("Twiml", twiml.xml)], idempotent: false).decode(TwilioCall.self)
    }

    /// Ends a call in progress (an answering machine under the hang-up policy).
    public func hangUp(sid: String) async throws -> TwilioCall {
        try await send(.POST, "\(accountPath)/Calls/\(sid).json", form: [("Status", "completed")], idempotent: true).decode(TwilioCall.self)
    }

    /// True when no request got an answer for long enough that the pooled connection may be
    /// gone (the pool drops idle ones after 60 s): the next request would pay a TCP and TLS
    /// handshake, which makes a call start tens of milliseconds after its rate slot.
    public var isCold: Bool {
        lastAnswer.withLock { last in last.map { ContinuousClock.now - $0 > .seconds(45) } ?? true }
    }

    /// Opens (or refreshes) a pooled connection with a cheap read, ignoring failures: called
    /// before taking a rate slot when `isCold`, so the call itself goes out at once.
    public func warmUp() async {
        _ = try? await account()
    }

    /// How `number` stands as a From for this account: one of its phone numbers, a caller ID
    /// it verified, or neither (calls from it are refused with 21210 or 21212).
    public func callerID(_ number: String) async throws -> CallerIDStanding {
        struct Listed: Decodable { let phone_number: String }
        struct Page: Decodable {
            let incoming_phone_numbers: [Listed]?
            let outgoing_caller_ids: [Listed]?
        }
        let query = "PhoneNumber=\(FormEncoding.percentEncode(number))"
        let owned = try await send(.GET, "\(accountPath)/IncomingPhoneNumbers.json?\(query)", idempotent: true).decode(Page.self)
        if owned.incoming_phone_numbers?.contains(where: { $0.phone_number == number }) == true { return .owned }
        let verified = try await send(.GET, "\(accountPath)/OutgoingCallerIds.json?\(query)", idempotent: true).decode(Page.self)
        if verified.outgoing_caller_ids?.contains(where: { $0.phone_number == number }) == true { return .verified }
        return .unknown
    }

    /// The account the credentials belong to.
    public func account() async throws -> TwilioAccount {
        try await send(.GET, "\(accountPath).json", idempotent: true).decode(TwilioAccount.self)
    }

    struct Answer {
        let status: Int
        let body: ByteBuffer

        func decode<T: Decodable>(_ type: T.Type) throws -> T {
            do {
                return try JSONDecoder().decode(type, from: Data(body.readableBytesView))
            } catch {
                throw TwilioError.unexpectedResponse(status: status, "cannot decode \(T.self): \(error)")
            }
        }
    }

    func send(_ method: HTTPMethod, _ path: String, form: [(String, String)]? = nil, idempotent: Bool, retries: Int? = nil) async throws -> Answer {
        let maxRetries = retries ?? configuration.maxRetries
        var attempt = 0
        while true {
            attempt += 1
            var request = HTTPClientRequest(url: configuration.baseURL + path)
            request.method = method
            let credentials = Data("\(configuration.username):\(configuration.secret)".utf8).base64EncodedString()
            request.headers.add(name: "Authorization", value: "Basic \(credentials)")
            request.headers.add(name: "Accept", value: "application/json")
            if let form {
                request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
                request.body = .bytes(ByteBuffer(string: FormEncoding.encode(form)))
            }
            let response: HTTPClientResponse
            let body: ByteBuffer
            let sent = ContinuousClock.now
            do {
                response = try await http.execute(request, timeout: .nanoseconds(Int64(configuration.requestTimeout.seconds * 1e9)))
                body = try await response.body.collect(upTo: 8 << 20)
                configuration.onResponse?(Int(response.status.code), ContinuousClock.now - sent)
            } catch {
                configuration.onResponse?(nil, ContinuousClock.now - sent)
                let neverSent = Self.neverSent(error)
                guard attempt <= maxRetries, idempotent || neverSent else {
                    throw neverSent ? TwilioError.unreachable("\(error)") : TwilioError.ambiguous("\(method) \(Self.redacted(path)): \(error)")
                }
                logger.warning(
                    "Twilio request failed; retrying",
                    metadata: ["path": "\(Self.redacted(path))", "attempt": "\(attempt)", "error": "\(error)"]
                )
                try await Task.sleep(for: .seconds(backoff.delay(afterAttempt: attempt)))
                continue
            }
            let status = Int(response.status.code)
            lastAnswer.withLock { $0 = .now }
            if (200..<300).contains(status) { return Answer(status: status, body: body) }

            let decoded = try? JSONDecoder().decode(TwilioErrorBody.self, from: Data(body.readableBytesView))
            let retryAfter = response.headers.first(name: "Retry-After").flatMap(Double.init).map { Duration.seconds($0) }
            let error = TwilioError.api(
                status: status,
                code: decoded?.code ?? status,
                message: decoded?.message ?? "HTTP \(status)",
                moreInfo: decoded?.more_info,
                retryAfter: retryAfter
            )
            if status == 429 && attempt <= maxRetries {
                // Twilio refused the request without acting on it: waiting as asked is safe.
                try await Task.sleep(for: retryAfter ?? .seconds(backoff.delay(afterAttempt: attempt)))
                continue
            }
            if status >= 500 {
                if idempotent && attempt <= maxRetries {
                    try await Task.sleep(for: .seconds(backoff.delay(afterAttempt: attempt)))
                    continue
                }
                if !idempotent { throw TwilioError.ambiguous("\(error)") }
            }
            throw error
        }
    }

    /// A failure before any byte could reach Twilio: the connection was refused or never made.
    static func neverSent(_ error: any Error) -> Bool {
        if let error = error as? HTTPClientError, error == .connectTimeout { return true }
        let text = String(describing: error).lowercased()
        return text.contains("connection refused") || text.contains("connectionrefused") || text.contains("econnrefused")
    }

    /// A path for logs: query strings carry phone numbers.
    static func redacted(_ path: String) -> String {
        path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? path
    }
}

/// Whether a number may be the From of the account's calls.
public enum CallerIDStanding: String, Sendable, Equatable {
    /// One of the account's phone numbers.
    case owned
    /// A caller ID the account verified.
    case verified
    /// Neither: Twilio refuses calls from it.
    case unknown
}
