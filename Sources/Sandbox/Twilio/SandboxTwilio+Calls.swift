import Foundation
import Hummingbird
import Twilio

/// The Calls resource's behaviour.
extension SandboxTwilio {
    typealias Answer = (status: Int, body: SandboxJSON)

    func handle(_ request: Request, _ context: BasicRequestContext, _ body: ([String: [String]]) -> Answer) async throws -> Response {
        let receivedAt = Date()
        var request = request
        let raw = try await request.collectBody(upTo: 1 << 20)
        let form = Self.form(String(buffer: raw))
        let latency = faults.latency
        if latency > .zero { try await Task.sleep(for: latency) }
        var answer: Answer
        var headers: HTTPFields = [.contentType: "application/json"]
        // Twilio authenticates first; good credentials on another account's URL find nothing.
        if !authorized(request) {
            answer = Self.error(401, 20003, "Authenticate")
        } else if context.parameters.get("account") != configuration.accountSID + ".json"
            && context.parameters.get("account") != configuration.accountSID
        {
            answer = Self.error(404, 20404, "The requested resource was not found")
        } else if request.method == .post && request.uri.path.hasSuffix("/Calls.json"), let retryAfter = takeTooManyRequests() {
            answer = Self.error(429, 20429, "Too Many Requests")
            headers[.retryAfter] = String(retryAfter)
        } else if request.method == .post && request.uri.path.hasSuffix("/Calls.json") {
            let hooks = self.hooks
            let to = form["To"]?.first ?? ""
            if await hooks.beforeCallCreate?(to) == .drop {
                answer = Self.error(503, 20503, "Service Unavailable")
            } else {
                answer = body(form)
                if let after = hooks.afterCallCreate, answer.status == 201 { await after(to) }
            }
        } else {
            answer = body(form)
        }
        let status = answer.status
        state.withLock {
            $0.log.append(LoggedRequest(method: request.method.rawValue, path: request.uri.path, form: form, status: status, receivedAt: receivedAt))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Response(
            status: .init(code: status),
            headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: try encoder.encode(answer.body)))
        )
    }

    func authorized(_ request: Request) -> Bool {
        guard let header = request.headers[.authorization], header.hasPrefix("Basic "),
            let decoded = Data(base64Encoded: String(header.dropFirst(6))).map({ String(decoding: $0, as: UTF8.self) })
        else { return false }
        guard let colon = decoded.firstIndex(of: ":") else { return false }
        let (username, secret) = (String(decoded[..<colon]), String(decoded[decoded.index(after: colon)...]))
        if username == configuration.accountSID { return secret == configuration.authToken }
        return username.hasPrefix("SK") && configuration.apiKeys[username].map { $0 == secret } == true
    }

    func takeTooManyRequests() -> Int? {
        state.withLock { state in
            guard state.faults.tooManyRequests > 0 else { return nil }
            state.faults.tooManyRequests -= 1
            return state.faults.retryAfterSeconds
        }
    }

    /// A list resource's page of `numbers`, filtered by `PhoneNumber` as Twilio filters it.
    func numbers(_ numbers: Set<String>, matching filter: String?, key: String) -> Answer {
        let listed = numbers.filter { filter == nil || $0 == filter }.sorted()
        return (200, .object([key: .array(listed.map { .object(["phone_number": .string($0), "sid": .string("PN" + String($0.dropFirst()))]) })]))
    }

    func create(_ form: [String: [String]]) -> Answer {
        let to = form["To"]?.first ?? ""
        let from = form["From"]?.first ?? ""
        guard !to.isEmpty else { return Self.error(400, 21201, "No 'To' number is specified") }
        guard to.range(of: #"^\+[1-9][0-9]{7,14}$"#, options: .regularExpression) != nil else {
            return Self.error(400, 21211, "The 'To' number \(to) is not a valid phone number.")
        }
        guard !from.isEmpty else { return Self.error(400, 21213, "No 'From' number is specified") }
        guard configuration.ownedNumbers.contains(from) || configuration.verifiedCallerIDs.contains(from) else {
            guard from.range(of: #"^\+[1-9][0-9]{7,14}$"#, options: .regularExpression) != nil else {
                return Self.error(400, 21212, "The 'From' number \(from) is not a valid phone number, shortcode, or alphanumeric sender ID.")
            }
            return Self.error(400, 21210, "The source phone number provided, \(from), is not yet verified for your account.")
        }
        guard form["Url"]?.first?.isEmpty == false else { return Self.error(400, 21205, "Url parameter is required.") }
        let outcome = outcome(for: to)
        if case let .refused(status, code) = outcome { return Self.error(status, code, SimulatedOutcome.message(code: code, to: to)) }
        let (call, failAfterCreating) = state.withLock { state -> (Call, Bool) in
            let sid = "CA" + String(format: "%032x", state.nextNumber)
            state.nextNumber += 1
            let now = Date()
            // Twilio's CPS queue: each call leaves it 1/CPS after the one before.
            let dequeueAt = max(now.addingTimeInterval(state.faults.queueDelay.seconds), state.nextDequeue)
            state.nextDequeue = dequeueAt.addingTimeInterval(1 / configuration.callsPerSecond)
            let call = Call(sid: sid, to: to, from: from, status: "queued", outcome: outcome, dateCreated: now, dequeueAt: dequeueAt, request: form)
            state.calls[sid] = call
            state.order.append(sid)
            if configuration.simulatesCalls {
                state.simulations[sid] = Task { await self.simulate(sid) }
            }
            let fail = state.faults.serverErrorsAfterCreating > 0
            if fail { state.faults.serverErrorsAfterCreating -= 1 }
            return (call, fail)
        }
        if failAfterCreating { return Self.error(500, 20500, "Internal Server Error") }
        return (201, json(call))
    }

    /// The scripted outcome, else one from the mix by a stable hash of the number, else the default.
    func outcome(for number: String) -> SimulatedOutcome {
        if let scripted = state.withLock({ $0.scripts[number] }) { return scripted }
        let total = configuration.outcomeMix.reduce(0) { $0 + max(0, $1.weight) }
        guard total > 0 else { return configuration.defaultOutcome }
        // FNV-1a: the same number ends the same way in every run.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in number.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        var pick = Int(hash % UInt64(total))
        for entry in configuration.outcomeMix where entry.weight > 0 {
            if pick < entry.weight { return entry.outcome }
            pick -= entry.weight
        }
        return configuration.defaultOutcome
    }

    func fetch(_ file: String) -> Answer {
        let sid = file.hasSuffix(".json") ? String(file.dropLast(5)) : file
        guard let call = state.withLock({ $0.calls[sid] }) else { return Self.error(404, 20404, "The requested resource was not found") }
        return (200, json(call))
    }

    /// Status=completed ends a call in progress; Status=canceled (or completed) stops one that
    /// has not been answered; Twiml replaces a live call's instructions (its media stream
    /// ends). An ended call is left as it is.
    func update(_ file: String, _ form: [String: [String]]) -> Answer {
        let sid = file.hasSuffix(".json") ? String(file.dropLast(5)) : file
        let requested = form["Status"]?.first
        let updated = state.withLock { state -> Call? in
            guard var call = state.calls[sid] else { return nil }
            if requested == "completed" || requested == "canceled" {
                let now = Date()
                if call.status == "in-progress" {
                    call.hangUpRequested = true
                    call.status = "completed"
                    call.endTime = now
                    call.duration = Int(now.timeIntervalSince(call.answeredAt ?? now).rounded(.up))
                } else if ["queued", "initiated", "ringing"].contains(call.status) {
                    call.hangUpRequested = true
                    call.status = "canceled"
                    call.endTime = now
                    call.duration = 0
                }
            }
            // New TwiML for a live call: the media stream ends, and the call does what it says.
            if let twiml = form["Twiml"]?.first, call.status == "in-progress", call.redirectedTwiML == nil {
                call.redirectedTwiML = twiml
            }
            call.dateUpdated = Date()
            state.calls[sid] = call
            return call
        }
        guard let updated else { return Self.error(404, 20404, "The requested resource was not found") }
        return (200, json(updated))
    }

    /// A call as Twilio's Calls resource shows it (every field of twilio-oai's
    /// `api.v2010.account.call`; those the Sandbox does not model are null).
    func json(_ call: Call) -> SandboxJSON {
        func date(_ value: Date?) -> SandboxJSON { value.map { .string(TwilioDate.string(from: $0)) } ?? .null }
        func text(_ value: String?) -> SandboxJSON { value.map { .string($0) } ?? .null }
        let uri = "/2010-04-01/Accounts/\(configuration.accountSID)/Calls/\(call.sid)"
        // Milliseconds in the queue: until it left, or so far.
        let queued = (call.startTime ?? call.endTime ?? Date()).timeIntervalSince(call.dateCreated)
        // The spec: end_time is empty unless the call completed; duration is empty for busy,
        // failed, unanswered (and canceled) or ongoing calls. Their callbacks still say 0.
        let completed = call.status == "completed"
        var fields: [String: SandboxJSON] = [
            "sid": .string(call.sid), "account_sid": .string(configuration.accountSID), "parent_call_sid": .null,
            "to": .string(call.to), "to_formatted": .string(call.to), "from": .string(call.from), "from_formatted": .string(call.from),
            "status": .string(Self.restStatus(call.status)), "direction": .string("outbound-api"),
        ]
        fields["phone_number_sid"] = configuration.ownedNumbers.contains(call.from) ? .string("PN" + String(call.from.dropFirst())) : .null
        fields["date_created"] = date(call.dateCreated)
        fields["date_updated"] = date(call.dateUpdated ?? call.dateCreated)
        fields["start_time"] = date(call.startTime)
        fields["end_time"] = date(completed ? call.endTime : nil)
        fields["duration"] = text(completed ? call.duration.map { String($0) } : nil)
        fields["answered_by"] = text(call.answeredBy)
        fields["queue_time"] = .string(String(max(0, Int(queued * 1000))))
        for unmodelled in ["price", "forwarded_from", "group_sid", "caller_name", "trunk_sid"] { fields[unmodelled] = .null }
        fields["price_unit"] = .string("USD")
        fields["api_version"] = .string("2010-04-01")
        fields["uri"] = .string(uri + ".json")
        var subresources: [String: SandboxJSON] = [:]
        for name in ["notifications", "recordings", "events", "streams"] { subresources[name] = .string("\(uri)/\(name.capitalized).json") }
        fields["subresource_uris"] = .object(subresources)
        return .object(fields)
    }

    static func error(_ status: Int, _ code: Int, _ message: String) -> Answer {
        (
            status,
            .object([
                "code": .number(Double(code)), "message": .string(message),
                "more_info": .string("https://www.twilio.com/docs/errors/\(code)"), "status": .number(Double(status)),
            ])
        )
    }

    /// A form body, with repeated names kept in order.
    static func form(_ body: String) -> [String: [String]] {
        var fields: [String: [String]] = [:]
        for (name, value) in FormEncoding.decode(body) { fields[name, default: []].append(value) }
        return fields
    }
}
