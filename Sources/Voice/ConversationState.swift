/// Everything a ``ConversationSession`` knows about its call, changed only under the
/// session's lock: the callee's side (turn detection, the turn being collected), the
/// agent's side (utterances being played, see `ConversationState+Playback.swift`) and the
/// transcript's order.
///
/// Every method is synchronous and short: the media route's frames, Twilio's marks, the
/// pacer and the responder all come through here, and none of them may wait on another.
/// Outputs are yielded under the lock, so their order is the order things happened.
struct ConversationState {
    let configuration: ConversationConfiguration
    let output: AsyncStream<ConversationOutput>.Continuation
    let jobs: AsyncStream<ConversationJob>.Continuation
    /// Rung when audio is queued, for a pacer with nothing to send.
    let doorbell: AsyncStream<Void>.Continuation
    let samplesPerMs: Int
    /// 20 ms of audio: one media message.
    let chunkBytes: Int

    // The callee.
    var detector: TurnDetector
    var capture: CalleeTurnCapture
    var openTurn: OpenTurn?
    /// Counts the callee's turns as they begin: a reply computed for an older turn is
    /// stale once this has moved on.
    var generation = 0
    /// Stream time minus session time, in ms: learned from media timestamps (stream time
    /// is at least the end of the latest frame), 0 before any (the session is created as
    /// the stream starts).
    var streamOffsetMs = 0

    // The agent.
    var utterances: [Utterance] = []
    var marks: [PendingMark] = []
    /// Session time when everything sent so far will have played.
    var playheadEnd: Duration = .zero
    var utteranceCount = 0
    /// A reply ended the conversation: hang up once nothing is left to play.
    var hangUpRequested = false
    /// The end is a hand-off to a person, not a hang-up.
    var handOffRequested = false
    var hangUpDeadline: Duration?

    var transcript = TranscriptSequencer()
    var started = false
    var stopped = false
    var optOutSent = false
    var hangUpSent = false
    /// An answering machine's beep has sounded: the agent says its voicemail message and
    /// nothing else, and the machine's sounds are not turns.
    var leavingVoicemail = false

    /// A turn the detector has confirmed and not yet ended.
    struct OpenTurn {
        let slot: Int
        let generation: Int
        let interruptedAgent: Bool
    }

    init(
        configuration: ConversationConfiguration,
        output: AsyncStream<ConversationOutput>.Continuation,
        jobs: AsyncStream<ConversationJob>.Continuation,
        doorbell: AsyncStream<Void>.Continuation
    ) {
        self.configuration = configuration
        self.output = output
        self.jobs = jobs
        self.doorbell = doorbell
        let rate = configuration.turnDetection.sampleRate
        samplesPerMs = max(1, rate / 1000)
        chunkBytes = max(1, rate / 50)
        detector = TurnDetector(configuration: configuration.turnDetection)
        // The onset reaches back past the minimum speech, the onset frames and any short
        // gaps among them; two seconds beyond the pre-roll covers that with room to spare.
        capture = CalleeTurnCapture(
            sampleRate: rate,
            ringMs: configuration.preRollMs + 2000,
            maximumTurnMs: configuration.maximumTurnMs + configuration.preRollMs + configuration.postRollMs
        )
    }

    /// Stream time at session time `elapsed`.
    func streamMs(_ elapsed: Duration) -> Int {
        elapsed.wholeMilliseconds + streamOffsetMs
    }

    /// The stream has started: the agent's opening is wanted.
    mutating func start() {
        guard !started, !stopped else { return }
        started = true
        jobs.yield(.opening)
    }

    /// One inbound frame: decode, detect, collect; barge in if the callee started talking
    /// over the agent.
    mutating func receiveMedia(_ payload: [UInt8], timestampMs: Int, now: Duration) {
        guard !stopped, !payload.isEmpty else { return }
        // The peer's number, clamped: stream arithmetic on Int.max would trap and take every
        // call of the process down with it (the codec refuses such values; this is whoever
        // else feeds a session).
        let timestampMs = min(max(timestampMs, 0), Int(Int32.max))
        capture.append(payload)
        let frameEndMs = timestampMs + payload.count / samplesPerMs
        streamOffsetMs = max(streamOffsetMs, frameEndMs - now.wholeMilliseconds)
        for event in detector.process(frame: capture.frame, at: timestampMs) where !leavingVoicemail {
            switch event {
            case .speechStarted(let atMs):
                beginTurn(atMs: atMs, frameEndMs: frameEndMs, now: now)
            case .turnEnded(let startMs, let endMs):
                endTurn(startMs: startMs, endMs: endMs)
            case .paused(let startMs, let endMs):
                pause(startMs: startMs, endMs: endMs)
            }
        }
    }

    /// A `dtmf` message: the key goes to the responder, in turn order, with a place in the
    /// transcript. Keys after the stream stopped are too late to act on.
    mutating func receiveDigit(_ digit: String, now: Duration) {
        // Only what a keypad sends: a peer's 10 KB "digit" is not a transcript entry.
        guard started, !stopped, OptOutPolicy.telephoneKeys.contains(digit) else { return }
        jobs.yield(.digit(digit, slot: transcript.reserve(), atMs: max(0, now.wholeMilliseconds + streamOffsetMs)))
    }

    private mutating func beginTurn(atMs: Int, frameEndMs: Int, now: Duration) {
        generation += 1
        let slot = transcript.reserve()
        capture.beginTurn(fromMs: atMs - configuration.preRollMs, frameEndMs: frameEndMs)
        let interrupted = bargeIn(now: now)
        openTurn = OpenTurn(slot: slot, generation: generation, interruptedAgent: interrupted)
    }

    private mutating func endTurn(startMs: Int, endMs: Int) {
        if let turn = closeTurn(startMs: startMs, endMs: endMs) { jobs.yield(.turn(turn)) }
    }

    /// The open turn, ended at `endMs`, with its audio.
    mutating func closeTurn(startMs: Int, endMs: Int) -> CalleeTurn? {
        guard let turn = openTurn else { return nil }
        openTurn = nil
        return CalleeTurn(
            slot: turn.slot,
            generation: turn.generation,
            startMs: startMs,
            endMs: endMs,
            audio: capture.endTurn(throughMs: endMs + configuration.postRollMs),
            interruptedAgent: turn.interruptedAgent
        )
    }

    /// The stream ended: a turn in progress goes to the responder as it is, and whatever
    /// the agent was saying is cut off where Twilio last confirmed. Returns false if the
    /// session had already stopped.
    mutating func stop(now: Duration) -> Bool {
        guard !stopped else { return false }
        for case .turnEnded(let startMs, let endMs) in detector.finish() {
            endTurn(startMs: startMs, endMs: endMs)
        }
        stopped = true
        // No clear: the stream is gone, there is nobody to send it to.
        for utterance in utterances where utterance.slot != nil {
            close(utterance, interrupted: true)
        }
        utterances.removeAll()
        marks.removeAll()
        hangUpDeadline = nil
        jobs.finish()
        doorbell.finish()
        return true
    }

    /// Whether no callee turn has begun since the one numbered `generation`.
    func isCurrent(generation: Int) -> Bool {
        self.generation == generation
    }

    /// Nothing more will be said in the conversation: the call stopped, a reply ended it,
    /// or what is left to say is the voicemail message.
    var isOver: Bool { stopped || hangUpRequested || leavingVoicemail }

    mutating func resolve(_ slot: Int, with entry: TranscriptEntry?) {
        let output = output
        transcript.resolve(slot, with: entry) { output.yield(.transcriptEntry($0)) }
    }

    mutating func optOut() {
        guard !optOutSent else { return }
        optOutSent = true
        output.yield(.optOut)
    }

    func scheduleCallback(_ window: CallbackWindow) {
        output.yield(.callback(window))
    }

    func report(_ failure: ConversationFailure) {
        output.yield(.failure(failure))
    }

    /// After the responder has finished: the last entries, then the end of the outputs.
    mutating func finishOutput() {
        let output = output
        transcript.flush { output.yield(.transcriptEntry($0)) }
        output.finish()
    }
}

/// Work for the responder, in the order it must be done.
enum ConversationJob: Sendable {
    case opening
    case turn(CalleeTurn)
    /// A key the callee pressed, with the transcript slot it keeps and its stream time.
    case digit(String, slot: Int, atMs: Int)
    /// The dialer ends the call: the agent's closing, then hang up (`ConversationState+Goodbye`).
    case goodbye
    /// An answering machine is recording: the voicemail message, then hang up
    /// (`ConversationState+Voicemail`).
    case voicemail
    /// The callee paused: is what they said so far a whole answer? (`ConversationState+Pauses`)
    case pause(PausedTurn)
}

/// A callee turn the detector has ended, with its audio.
struct CalleeTurn: Sendable {
    let slot: Int
    /// ``ConversationState/generation`` when the turn began.
    let generation: Int
    let startMs: Int
    let endMs: Int
    let audio: [Int16]
    /// The turn began while the agent was speaking, and cut it off.
    let interruptedAgent: Bool

    var durationMs: Int { endMs - startMs }
}
