/// One call's conversation, between Twilio's media stream and the agent: it listens to the
/// callee, transcribes each turn, asks the agent, speaks its replies, and handles the
/// callee talking over it. It knows nothing of WebSockets or JSON: the media route feeds it
/// decoded messages and sends what comes out of ``outputs``.
///
/// ```swift
/// let session = ConversationSession(call: context, agent: agent, speechToText: stt, textToSpeech: tts)
/// // a task sends every output: media, mark and clear to Twilio, entries to the database
/// for await output in session.outputs { … }
/// // the socket's reader:
/// session.start()                                        // on `start`
/// session.receiveMedia(payload: bytes, timestampMs: ts)  // on each inbound `media`
/// session.receiveMark(name: name)                        // on each `mark` echo
/// await session.stop()                                   // on `stop`, or when the socket closes
/// ```
///
/// The calls for inbound messages are synchronous and take microseconds (a frame is
/// decoded and run through the ``TurnDetector`` under a lock); everything slow runs in the
/// session's own tasks. One task (the responder) transcribes ended turns, asks the agent
/// and synthesizes its replies, one turn at a time (see `ConversationResponder` for how a
/// newer turn supersedes an unanswered one); another (the pacer) sends the agent's audio in
/// 20 ms chunks at the rate it plays, a bounded lead ahead (``PlaybackPacing``), with a
/// mark every second or so and one at the end of each utterance.
///
/// When the callee's speech is confirmed while the agent's audio is still outstanding (sent
/// or queued, its last mark not yet echoed), the session barges in: `clear`, the rest of
/// the agent's audio dropped, its transcript entry closed as interrupted where Twilio's
/// marks last confirmed playback. The opening (unless configured otherwise) and a reply
/// that ends the call are played to the end.
///
/// Times in transcript entries are stream time, the clock of Twilio's media timestamps.
public final class ConversationSession: Sendable {
    /// Everything the session asks of the transport and reports, in order. It finishes after
    /// ``stop()``, once the last transcript entry is out. Iterate it from one task.
    public let outputs: AsyncStream<ConversationOutput>

    private let core: ConversationCore
    private let responder: Task<Void, Never>
    private let pacer: Task<Void, Never>

    /// A session for one answered call; it starts listening at once, and speaks after
    /// ``start()``. `clock` paces the agent's audio (tests may pass a faster one).
    public init(
        call: AgentCallContext,
        agent: any Agent,
        speechToText: any SpeechToText,
        textToSpeech: any TextToSpeech,
        configuration: ConversationConfiguration = ConversationConfiguration(),
        clock: any Clock<Duration> = ContinuousClock()
    ) {
        let (outputs, output) = AsyncStream.makeStream(of: ConversationOutput.self)
        let (jobs, jobInput) = AsyncStream.makeStream(of: ConversationJob.self)
        let (doorbell, bell) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let core = ConversationCore(
            call: call,
            agent: agent,
            speechToText: speechToText,
            textToSpeech: textToSpeech,
            configuration: configuration,
            clock: SessionClock(clock),
            state: ConversationState(configuration: configuration, output: output, jobs: jobInput, doorbell: bell)
        )
        self.outputs = outputs
        self.core = core
        responder = Task {
            var responder = ConversationResponder(core: core)
            await responder.run(jobs)
        }
        pacer = Task { await Self.pace(core, doorbell: doorbell) }
    }

    deinit {
        // A session dropped without stop(): end its tasks and its outputs anyway.
        responder.cancel()
        pacer.cancel()
        core.withState { state in
            _ = state.stop(now: core.now())
            state.output.finish()
        }
    }

    /// Twilio's `start` arrived: the agent's opening is made and spoken. Later calls do
    /// nothing.
    public func start() {
        core.withState { $0.start() }
    }

    /// Ends the call from the dialer's side: once what is queued has been answered and
    /// played, the agent says its closing line (``AgentConversation/closing()``) and the
    /// session asks to hang up. Nothing happens if the conversation is already over.
    public func sayGoodbye() {
        core.withState { $0.requestGoodbye() }
    }

    /// One inbound `media` message: `payload` is its mu-law audio (normally 160 bytes,
    /// 20 ms) and `timestampMs` its `media.timestamp`, milliseconds since the stream began.
    public func receiveMedia(payload: [UInt8], timestampMs: Int) {
        let now = core.now()
        core.withState { $0.receiveMedia(payload, timestampMs: timestampMs, now: now) }
    }

    /// A `dtmf` message: the callee pressed `digit`. The agent's opt-out key opts out as the
    /// spoken words do (``OptOutPolicy/digit``).
    public func receiveDigit(_ digit: String) {
        let now = core.now()
        core.withState { $0.receiveDigit(digit, now: now) }
    }

    /// An answering machine is recording (Twilio's AMD reported the end of its greeting):
    /// the agent stops whatever it was saying, leaves its voicemail message once, and the
    /// call hangs up when Twilio confirms the message played. Returns false when the call is
    /// already ending or the message is already on its way.
    @discardableResult
    public func leaveVoicemail() -> Bool {
        let now = core.now()
        return core.withState { $0.requestVoicemail(now: now) }
    }

    /// A `mark` message: Twilio has played everything sent before the mark called `name`.
    public func receiveMark(name: String) {
        core.withState { $0.receiveMark(name) }
    }

    /// The stream is over (Twilio's `stop`, or the socket closed). A turn in progress is
    /// transcribed (and shown to the agent, so an opt-out in it still counts; nothing more is
    /// spoken), the agent's unfinished utterance is closed as interrupted, and then
    /// ``outputs`` finishes. Returns when it has; cancelling the caller cancels the pending
    /// speech-to-text and agent calls instead of waiting for them.
    public func stop() async {
        let now = core.now()
        _ = core.withState { $0.stop(now: now) }
        let responder = responder
        await withTaskCancellationHandler {
            await responder.value
        } onCancel: {
            responder.cancel()
        }
        pacer.cancel()
        await pacer.value
        core.withState { $0.finishOutput() }
    }

    /// The pacer: sends what is due, sleeps until more is, or waits for the doorbell.
    private static func pace(_ core: ConversationCore, doorbell: AsyncStream<Void>) async {
        var bell = doorbell.makeAsyncIterator()
        while !Task.isCancelled {
            let now = core.now()
            switch core.withState({ $0.pace(now: now) }) {
            case .idle:
                guard await bell.next() != nil else { return }
            case .sleep(let deadline):
                do {
                    try await core.clock.sleep(untilElapsed: deadline)
                } catch {
                    return
                }
            }
        }
    }
}
