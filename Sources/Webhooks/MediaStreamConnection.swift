import CallTrace
import Foundation
import HummingbirdWebSocket
import Logging
import Store
import Tracing
import Twilio
import Voice

/// One Media Streams WebSocket, from `connected` to `stop` or the socket's end: binds the
/// stream to its attempt through `start.customParameters` (the call's token and our account
/// first, ``MediaStreamCredential``, then the ids against the database),
/// feeds the call's ``ConversationSession``, sends what it asks for, and records the call's
/// transcript entries and opt-out as they happen.
///
/// Nothing a stream sends can take the server down: a message that does not decode is
/// counted and skipped, a failing database write is retried and then handed to a job
/// (``ConversationRecorder``), a number no Twilio sends is refused by the codec,
/// and a stream whose ids do not match an attempt is closed before any conversation starts.
struct MediaStreamConnection: Sendable {
    let streams: MediaStreamStore
    let voice: VoiceComponents
    let conversation: ConversationConfiguration
    /// The account and the per-call token a start must carry.
    let webhooks: TwilioWebhookConfiguration
    let metrics: WebhookMetrics
    let logger: Logger
    var limits = MediaStreamLimits()
    var conversations = LiveConversations()
    /// Redirects a call the agent hands to a person.
    var control: (any CallControl)?

    /// What the stream has been, for the media_streams row.
    struct Counters {
        var framesReceived = 0
        var framesSent = 0
        var malformed = 0
    }

    /// Returns what ended the inbound stream when it was an error (a message over the limit
    /// once its fragments were assembled), for the route to close the socket with its code.
    @discardableResult
    func run(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async -> (any Error)? {
        metrics.mediaStreamsOpen(1)
        defer { metrics.mediaStreamsOpen(-1) }
        var counters = Counters()
        var call: (session: ConversationSession, sender: Task<Int, Never>, streamSID: String, span: any Span)?
        var inboundError: (any Error)?
        let slot = conversations.opened()
        defer { conversations.closed(slot) }
        let gate = MediaStreamStartGate(limits: limits, outbound: outbound, logger: logger)
        defer { gate.cancel() }
        do {
            for try await message in inbound.messages(maxSize: MediaStreamRoutes.maxMessageSize) {
                let started = ContinuousClock.now
                if call == nil, !gate.admitUnbound() {
                    logger.warning("media stream sent too much before its start: closing it")
                    try? await outbound.close(.policyViolation, reason: MediaStreamStartGate.tooMuchBeforeStart)
                    return nil
                }
                guard case .text(let text) = message, let decoded = try? MediaStreamMessage(json: text) else {
                    counters.malformed += 1
                    metrics.malformedMediaMessage()
                    continue
                }
                switch decoded {
                case .media(let media):
                    guard let call, media.track == "inbound" || media.track.isEmpty else { continue }
                    call.session.receiveMedia(payload: media.payload, timestampMs: media.timestamp)
                    counters.framesReceived += 1
                    metrics.mediaFrame(ContinuousClock.now - started)
                case .mark(let mark):
                    call?.session.receiveMark(name: mark.name)
                case .dtmf(let dtmf):
                    call?.session.receiveDigit(dtmf.digit)
                case .start(let start):
                    guard call == nil else { continue }
                    guard gate.bound(), let opened = await open(start, outbound: outbound) else {
                        try? await outbound.close(.policyViolation, reason: "unknown stream")
                        return nil
                    }
                    // The call's trace (``CallTrace``): one span while the stream is open.
                    let span = CallTrace.startSpan("media_stream", attempt: opened.attemptID, ofKind: .server)
                    span.attributes["twilio.call_sid"] = start.callSid
                    span.attributes["twilio.stream_sid"] = start.streamSid
                    call = (opened.session, opened.sender, start.streamSid, span)
                    conversations.bind(slot, to: opened.session, callSID: start.callSid)
                case .stop:
                    break
                case .connected, .unknown:
                    continue
                }
                if case .stop = decoded { break }
            }
        } catch {
            logger.info("media stream closed", metadata: ["reason": "\(error)"])
            inboundError = error
        }
        guard let call else { return inboundError }
        // Twilio's stop, or the socket's end: what is pending is transcribed and written.
        await call.session.stop()
        counters.framesSent = await call.sender.value
        do {
            try await streams.streamEnded(
                streamSID: call.streamSID,
                framesReceived: counters.framesReceived,
                framesSent: counters.framesSent,
                malformed: counters.malformed
            )
        } catch {
            logger.error("media stream end not recorded", metadata: ["stream_sid": "\(call.streamSID)", "error": "\(String(reflecting: error))"])
        }
        call.span.attributes["twilio.frames_received"] = counters.framesReceived
        call.span.attributes["twilio.frames_sent"] = counters.framesSent
        call.span.end()
        return inboundError
    }

    /// Binds the stream and starts its conversation; nil when the ids are not an attempt's.
    func open(
        _ start: MediaStreamMessage.Start,
        outbound: WebSocketOutboundWriter
    ) async -> (session: ConversationSession, sender: Task<Int, Never>, attemptID: UUID)? {
        // Ids no Twilio would send are not worth a query (a NUL would fail it).
        guard TwilioSID.isPlausible(start.streamSid), TwilioSID.isPlausible(start.callSid) else {
            logger.warning("media stream with ids no Twilio sends: closing it")
            return nil
        }
        let parameters = start.customParameters
        // The token proves the start came from the TwiML of this very call: ids alone are
        // known to whoever reads the logs. A start for another account is not ours either.
        let attemptID = parameters["attempt"].flatMap(UUID.init(uuidString:))
        let ours = webhooks.accountSID.map { $0 == start.accountSid } ?? true
        guard ours, let attemptID,
            webhooks.streamCredential.isValid(parameters[MediaStreamCredential.parameter], attemptID: attemptID, callSID: start.callSid)
        else {
            metrics.signatureFailure(route: "/twilio/media start")
            logger.warning("media stream start without this call's token or account: closing it", metadata: ["call_sid": "\(start.callSid)"])
            // Recorded unbound, like any refused start, so the stream id is never bound later.
            _ = try? await streams.streamStarted(streamSID: start.streamSid, callSID: start.callSid, attemptID: nil, contactID: nil, campaignID: nil)
            return nil
        }
        let binding: MediaStreamStore.Binding?
        do {
            binding = try await metrics.database("media_stream_start") {
                try await streams.streamStarted(
                    streamSID: start.streamSid,
                    callSID: start.callSid,
                    attemptID: attemptID,
                    contactID: parameters["contact"].flatMap { Int64($0) },
                    campaignID: parameters["campaign"].flatMap { Int64($0) }
                )
            }
        } catch {
            logger.error("media stream not recorded", metadata: ["call_sid": "\(start.callSid)", "error": "\(String(reflecting: error))"])
            return nil
        }
        guard let binding else {
            // Most often a call the dialer has just hung up (a machine, AMD's machine_start
            // sent before the stream's start), which Twilio connects all the same.
            logger.notice(
                "media stream for no live attempt (unknown, already streamed or ended): closing it",
                metadata: ["call_sid": "\(start.callSid)"]
            )
            return nil
        }
        logger.info("media stream started", metadata: ["call_sid": "\(start.callSid)", "attempt": "\(binding.attemptID)"])
        var context = AgentCallContext(
            callSID: start.callSid,
            campaignID: binding.campaignID,
            contactID: binding.contactID,
            firstName: binding.firstName,
            lastName: binding.lastName,
            fields: binding.context,
            message: binding.message
        )
        context.handOff = handOffAvailability(binding.transferTarget)
        context.callbackHours = callbackHours(binding)
        let session = ConversationSession(
            call: context,
            agent: voice.agent,
            speechToText: voice.speechToText,
            textToSpeech: voice.textToSpeech,
            configuration: conversation
        )
        let recorder = ConversationRecorder(
            streams: streams,
            callSID: start.callSid,
            attemptID: binding.attemptID,
            metrics: metrics,
            logger: logger
        )
        let streamSID = start.streamSid
        let handOff = binding.transferTarget.flatMap { number in
            number.isEmpty
                ? nil
                : CallHandOff(
                    control: control,
                    calls: CallStore(database: streams.database),
                    callSID: start.callSid,
                    attemptID: binding.attemptID,
                    number: number,
                    whisperURL: "\(webhooks.publicURL)/twilio/whisper?attempt=\(binding.attemptID.uuidString.lowercased())"
                )
        }
        let sender = Task {
            await Self.send(
                session.outputs,
                to: outbound,
                streamSID: streamSID,
                recorder: recorder,
                handOff: handOff,
                metrics: metrics,
                logger: logger
            )
        }
        session.start()
        // The machine's greeting ended before the stream was bound: the message is due now.
        if binding.leavesVoicemail { session.leaveVoicemail() }
        return (session, sender, binding.attemptID)
    }

    /// When the callee may be called back, from now: the openings of the contact's calling
    /// schedule, in its first zone.
    func callbackHours(_ binding: MediaStreamStore.Binding) -> CallbackHours? {
        guard let schedule = binding.callingSchedule, let zone = schedule.zones.first else { return nil }
        return CallbackHours(timeZone: zone, openings: schedule.openings(from: Date()))
    }

    /// What the binding's transfer target means for the agent.
    func handOffAvailability(_ target: String?) -> HandOffAvailability {
        switch target {
        case nil: .none
        case ""?: .closed
        case let number?: .available(number: number)
        }
    }

    /// Sends the session's audio, marks and clears to Twilio as they come, and records the
    /// rest; returns the number of media messages sent.
    static func send(
        _ outputs: AsyncStream<ConversationOutput>,
        to outbound: WebSocketOutboundWriter,
        streamSID: String,
        recorder: ConversationRecorder,
        handOff: CallHandOff? = nil,
        metrics: WebhookMetrics,
        logger: Logger
    ) async -> Int {
        var sent = 0
        var open = true
        func write(_ command: MediaStreamCommand) async {
            guard open else { return }
            do {
                try await outbound.write(.text(command.json))
            } catch {
                open = false  // the socket is gone; the rest is still recorded
            }
        }
        for await output in outputs {
            switch output {
            case .media(let audio):
                await write(.media(streamSid: streamSID, payload: audio))
                sent += 1
            case .mark(let name):
                await write(.mark(streamSid: streamSID, name: name))
            case .clear:
                await write(.clear(streamSid: streamSID))
            case .transcriptEntry(let entry):
                recorder.record(entry)
            case .optOut:
                recorder.recordOptOut()
            case .callback(let window):
                recorder.recordCallback(ScheduledCallback(from: window.start, until: window.end, timeZone: window.timeZone))
            case .hangUp:
                // Closing the stream ends <Connect>; with nothing after it, Twilio ends the call.
                if open { try? await outbound.close(.normalClosure, reason: "conversation over") }
                open = false
            case .handOff:
                // The call's new TwiML dials the person; Twilio ends the stream for it. If
                // it cannot be redirected, closing the stream hangs up.
                await handOff?.perform(logger: logger)
                if open { try? await outbound.close(.normalClosure, reason: "handed off") }
                open = false
            case .turnLatency(let latency):
                metrics.turnLatency(latency)
            case .failure(let failure):
                metrics.conversationFailure(stage: failure.stage.rawValue)
                logger.warning("conversation step failed", metadata: ["stage": "\(failure.stage.rawValue)", "error": "\(failure.message)"])
            }
        }
        await recorder.finish()
        return sent
    }
}
