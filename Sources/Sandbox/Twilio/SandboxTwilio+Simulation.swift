import AsyncHTTPClient
import Backoff
import Foundation
import Logging
import NIOCore
import Twilio

/// The life of one simulated call, from the CPS queue to its last status callback.
extension SandboxTwilio {
    enum Wait {
        case elapsed, hungUp, stopped
    }

    func simulate(_ sid: String) async {
        defer { _ = state.withLock { $0.simulations.removeValue(forKey: sid) } }
        guard let created = state.withLock({ $0.calls[sid] }) else { return }
        let delivery = callbackDelivery
        var held: [[(String, String)]] = []

        func emit(_ event: String, terminal: Bool = false) async {
            guard let (url, parameters) = statusCallback(sid, event: event, terminal: terminal) else { return }
            if delivery.shuffled {
                held.append(parameters)
                if delivery.duplicated { held.append(parameters) }
                return
            }
            await send(.status, to: url, parameters)
            if delivery.duplicated { await send(.status, to: url, parameters) }
        }
        // Hung up through the API before it was answered.
        var canceled = false
        switch await wait(sid, until: created.dequeueAt) {
        case .stopped: return
        case .hungUp: canceled = true
        case .elapsed:
            advance(sid) {
                $0.status = "initiated"
                $0.startTime = Date()
            }
            await emit("initiated")
            advance(sid) { $0.status = "ringing" }
            await emit("ringing")
            switch await wait(sid, until: Date().addingTimeInterval(configuration.timing.ring.seconds)) {
            case .stopped: return
            case .hungUp: canceled = true
            case .elapsed: break
            }
        }

        let outcome = created.outcome
        switch outcome {
        case _ where canceled:
            break  // the hang-up request ended it
        case .busy, .noAnswer, .failed, .refused:
            advance(sid) {
                $0.status = outcome.terminal.status
                $0.endTime = Date()
                $0.duration = 0
            }
        case .human, .machine:
            let mode = created.request["MachineDetection"]?.first
            let detects = mode.map { $0 != "Disable" } ?? false
            // `Enable` reports the machine as soon as it is sure (machine_start); only
            // `DetectMessageEnd` waits for the greeting's end (machine_end_beep).
            let answeredBy = outcome == .human ? "human" : mode == "DetectMessageEnd" ? "machine_end_beep" : "machine_start"
            advance(sid) {
                $0.status = "in-progress"
                $0.answeredAt = Date()
                if detects && !(outcome == .machine && mode == "DetectMessageEnd") { $0.answeredBy = answeredBy }
            }
            let twiml = await fetchTwiML(sid)
            advance(sid) { $0.twiml = twiml }
            let amd = detects ? created.request["AsyncAmdStatusCallback"]?.first : nil
            // DetectMessageEnd reports a machine once its greeting has ended: the stream says when.
            let waitsForGreeting = outcome == .machine && mode == "DetectMessageEnd"
            if let amd, !waitsForGreeting {
                await send(.amd, to: amd, baseParameters(sid) + [("AnsweredBy", answeredBy), ("MachineDetectionDuration", "1800")])
            }
            await emit("answered")
            // A failed fetch or a <Hangup/> ends the call at once, as on Twilio; a
            // <Connect><Stream> lasts as long as its media stream.
            if let twiml, let stream = ConnectStream(twiml: twiml) {
                let session = await converse(sid, over: stream, machine: outcome == .machine, amd: waitsForGreeting ? amd : nil)
                state.withLock { $0.mediaSessions.append(session) }
                if Task.isCancelled { return }
                if let redirected = state.withLock({ $0.calls[sid]?.redirectedTwiML }), case .stopped = await putThrough(sid, redirected) { return }
            } else if let twiml, !twiml.contains("<Hangup") {
                if case .stopped = await wait(sid, until: Date().addingTimeInterval(configuration.timing.talk.seconds)) { return }
            }
            advance(sid) { call in
                guard call.endTime == nil else { return }  // hung up through the API
                call.status = "completed"
                call.endTime = Date()
                call.duration = Int((call.endTime!.timeIntervalSince(call.answeredAt ?? call.endTime!)).rounded(.up))
            }
        }
        await emit("completed", terminal: true)
        if delivery.shuffled, let url = created.request["StatusCallback"]?.first {
            for parameters in held.shuffled() { await send(.status, to: url, parameters) }
        }
    }

    /// The answered call's media stream, until the callee hangs up, the dialer closes it or
    /// the call is hung up through the API. A machine plays its greeting and then listens.
    /// `amd`: where to report the end of a machine's greeting (AMD with DetectMessageEnd).
    func converse(_ sid: String, over stream: ConnectStream, machine: Bool, amd: String?) async -> MediaSessionLog {
        let number = state.withLock { $0.calls[sid]?.to } ?? ""
        let scripted = state.withLock { $0.calleeScripts[number] }
        let script =
            machine
            ? scripted.flatMap { $0.machine == nil ? nil : $0 } ?? .answeringMachine()
            : scripted ?? configuration.defaultCalleeScript
        var onGreetingEnd: (@Sendable () async -> Void)?
        if let amd {
            let answeredBy = script.machine?.answeredBy ?? "machine_end_other"
            onGreetingEnd = { [self] in
                advance(sid) { $0.answeredBy = answeredBy }
                let parameters: [(String, String)] = baseParameters(sid) + [("AnsweredBy", answeredBy), ("MachineDetectionDuration", "1800")]
                await send(.amd, to: amd, parameters)
            }
        }
        return await SandboxMediaStream(
            stream: stream,
            accountSID: configuration.accountSID,
            authToken: configuration.authToken,
            callSID: sid,
            script: script,
            voice: .shared,
            hungUp: { [self] in
                state.withLock { $0.calls[sid].map { $0.hangUpRequested || $0.redirectedTwiML != nil } ?? true } || Task.isCancelled
            },
            onGreetingEnd: onGreetingEnd,
            reachableHosts: configuration.reachableHosts,
            logger: Logger(label: "dialer.sandbox.twilio.media")
        ).run()
    }

    /// The call's new TwiML after a Calls update: a `<Dial><Number>` rings the number, whose
    /// person answers, hears the whisper (its URL fetched and logged like a webhook) and
    /// talks for the talk time; anything else ends the call.
    func putThrough(_ sid: String, _ twiml: String) async -> Wait {
        guard let number = Self.element("Number", in: twiml) else { return .elapsed }
        advance(sid) { $0.dialed = number.text }
        if let whisper = number.attributes["url"] {
            await send(.whisper, to: whisper, baseParameters(sid) + [("DialCallStatus", "in-progress")])
        }
        return await wait(sid, until: Date().addingTimeInterval(configuration.timing.talk.seconds))
    }

    /// The first `<name …>text</name>` in `xml`: its text and attributes, unescaped.
    static func element(_ name: String, in xml: String) -> (text: String, attributes: [String: String])? {
        guard let open = xml.range(of: "<\(name)"), let close = xml.range(of: "</\(name)>", range: open.upperBound..<xml.endIndex),
            let tagEnd = xml.range(of: ">", range: open.upperBound..<close.lowerBound)
        else { return nil }
        func unescaped(_ text: Substring) -> String {
            text.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&lt;", with: "<")
                .replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&amp;", with: "&")
        }
        var attributes: [String: String] = [:]
        var rest = xml[open.upperBound..<tagEnd.lowerBound]
        while let equals = rest.range(of: "=\""), let end = rest[equals.upperBound...].firstIndex(of: "\"") {
            let key = rest[..<equals.lowerBound].split(separator: " ").last.map(String.init) ?? ""
            attributes[key] = unescaped(rest[equals.upperBound..<end])
            rest = rest[rest.index(after: end)...]
        }
        return (unescaped(xml[tagEnd.upperBound..<close.lowerBound]), attributes)
    }

    /// Sleeps until `deadline`, waking early for a hang-up through the API or a shutdown.
    func wait(_ sid: String, until deadline: Date) async -> Wait {
        while true {
            if Task.isCancelled { return .stopped }
            if state.withLock({ $0.calls[sid]?.hangUpRequested ?? true }) { return .hungUp }
            let left = deadline.timeIntervalSinceNow
            if left <= 0 { return .elapsed }
            do { try await Task.sleep(for: .milliseconds(Int64(min(left, 0.02) * 1000) + 1)) } catch { return .stopped }
        }
    }

    func advance(_ sid: String, _ change: (inout Call) -> Void) {
        state.withLock { state in
            if var call = state.calls[sid] {
                change(&call)
                call.dateUpdated = Date()
                state.calls[sid] = call
            }
        }
    }

    /// The parameters Twilio sends with every request about a call.
    func baseParameters(_ sid: String) -> [(String, String)] {
        guard let call = state.withLock({ $0.calls[sid] }) else { return [] }
        return [
            ("AccountSid", configuration.accountSID), ("ApiVersion", "2010-04-01"), ("CallSid", call.sid),
            ("CallStatus", call.status), ("Called", call.to), ("Caller", call.from), ("Direction", "outbound-api"),
            ("From", call.from), ("To", call.to),
        ]
    }

    /// The callback for `event`, numbered, when the call asked for that event.
    func statusCallback(_ sid: String, event: String, terminal: Bool) -> (String, [(String, String)])? {
        guard let call = state.withLock({ $0.calls[sid] }), let url = call.request["StatusCallback"]?.first else { return nil }
        let events = call.request["StatusCallbackEvent"] ?? ["completed"]
        guard events.contains(event) else { return nil }
        let sequence = state.withLock { state -> Int in
            let number = state.calls[sid]?.nextSequenceNumber ?? 0
            state.calls[sid]?.nextSequenceNumber = number + 1
            return number
        }
        var parameters =
            baseParameters(sid) + [
                ("CallbackSource", "call-progress-events"), ("SequenceNumber", String(sequence)), ("Timestamp", TwilioDate.string(from: Date())),
            ]
        if let answeredBy = call.answeredBy, event == "answered" || terminal { parameters.append(("AnsweredBy", answeredBy)) }
        if terminal {
            let seconds = call.duration ?? 0
            parameters += [
                ("CallDuration", String(seconds)), ("Duration", String((seconds + 59) / 60)),
                ("SipResponseCode", String(call.status == "canceled" ? 487 : call.outcome.terminal.sip)),
            ]
        }
        return (url, parameters)
    }

    /// Fetches the call's voice URL as Twilio does once it is answered; nil when it failed.
    func fetchTwiML(_ sid: String) async -> String? {
        guard let call = state.withLock({ $0.calls[sid] }), let url = call.request["Url"]?.first else { return nil }
        let answer = await send(.voice, to: url, baseParameters(sid))
        guard let answer, (200..<300).contains(answer.status) else { return nil }
        return answer.body
    }

    /// A signed form POST to the dialer, logged; nil when nothing answered. Only loopback (or
    /// the run's own private hosts, `reachableHosts`) is ever contacted: a callback URL
    /// elsewhere is logged as undelivered.
    @discardableResult
    func send(_ kind: Delivery.Kind, to url: String, _ parameters: [(String, String)]) async -> (status: Int, body: String)? {
        let signature = TwilioSignature(authToken: configuration.authToken).signature(url: url, parameters: parameters)
        var answer: (status: Int, body: String)?
        if let host = URL(string: url)?.host, configuration.reachableHosts.contains(host) {
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            request.headers.add(name: TwilioSignature.header, value: signature)
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.headers.add(name: "User-Agent", value: "TwilioProxy/1.1")
            request.body = .bytes(ByteBuffer(string: FormEncoding.encode(parameters)))
            do {
                let response = try await HTTPClient.shared.execute(
                    request,
                    timeout: .nanoseconds(Int64(configuration.timing.requestTimeout.seconds * 1e9))
                )
                let body = try await response.body.collect(upTo: 1 << 20)
                answer = (Int(response.status.code), String(buffer: body))
            } catch {
                answer = nil
            }
        }
        let delivery = Delivery(
            kind: kind,
            url: url,
            parameters: Dictionary(parameters, uniquingKeysWith: { _, last in last }),
            signature: signature,
            responseStatus: answer?.status,
            responseBody: answer?.body ?? "",
            sentAt: Date()
        )
        state.withLock { $0.deliveries.append(delivery) }
        return answer
    }

}
