/// The slow half of a ``ConversationSession``: for each callee turn, speech-to-text, the
/// agent's reply and text-to-speech, in its own task so that frames never wait for them.
///
/// Turns are answered one at a time, in order, so the agent's conversation is only ever
/// called by this task. When the callee speaks again before a turn is answered, the newer
/// turn supersedes it:
/// - if the callee is already speaking again when a turn's words are known, the agent is
///   not asked yet; the words are answered together with the next turn's;
/// - if they start while the reply is being made, the reply is not spoken over them. It
///   is held until their new turn is transcribed: if that was only noise, it is spoken
///   then; otherwise it is dropped. The agent's conversation has moved on past a reply the
///   callee never heard (the protocol has no way to take one back), which is the lesser
///   evil next to talking over the callee or answering a question they have since changed.
/// A reply that ends the call is never superseded, and an opt-out is reported whenever
/// the agent says so, even after the call is over.
struct ConversationResponder {
    let core: ConversationCore
    private var conversation: (any AgentConversation)?
    private var conversationFailed = false
    /// What the callee said in turns the agent has not been asked about yet.
    private var unanswered: Transcription?
    /// A reply made stale by a newer turn, kept until that turn proves to be noise or not.
    private var held: PreparedSpeech?

    init(core: ConversationCore) {
        self.core = core
    }

    mutating func run(_ jobs: AsyncStream<ConversationJob>) async {
        for await job in jobs {
            switch job {
            case .opening: await speakOpening()
            case .turn(let turn): await answer(turn)
            case let .digit(digit, slot, atMs): await pressed(digit, slot: slot, atMs: atMs)
            case .goodbye: await sayGoodbye()
            case .voicemail: await leaveVoicemail()
            case .pause(let paused): await judge(paused)
            }
        }
    }

    private mutating func startedConversation() async -> (any AgentConversation)? {
        if let conversation { return conversation }
        guard !conversationFailed else { return nil }
        do {
            let started = try await core.agent.startConversation(core.call)
            conversation = started
            return started
        } catch {
            conversationFailed = true
            core.report(.startingConversation, error)
            await endPolitely()
            return nil
        }
    }

    private mutating func speakOpening() async {
        guard let conversation = await startedConversation() else { return }
        let reply: AgentReply
        do {
            reply = try await conversation.opening()
        } catch {
            core.report(.opening, error)
            await endPolitely()
            return
        }
        if reply.optOut { core.withState { $0.optOut() } }
        // The opening is spoken even if the callee has begun speaking: it discloses who is
        // calling, and their words are answered after it.
        await speak(reply, interruptible: core.configuration.openingIsInterruptible && !reply.hangUp, answering: nil)
    }

    /// The callee paused: their words so far decide whether the turn ends now, later than
    /// usual, or after the usual silence (`ConversationState+Pauses`). A turn ended here is
    /// answered with the words already transcribed.
    private mutating func judge(_ paused: PausedTurn) async {
        guard let conversation = await startedConversation(), conversation.judgesTurnEnds,
            core.withState({ $0.isCurrent(generation: paused.generation) && !$0.isOver })
        else { return }
        let hints = await conversation.recognitionHints()
        let rate = core.configuration.turnDetection.sampleRate
        let speechToText = core.speechToText
        // A failed recognition decides nothing: the usual silence ends the turn, and it is
        // transcribed again then.
        guard let heard = try? await speechToText.transcribe(paused.audio, sampleRate: rate, hints: hints) else { return }
        let verdict = await conversation.turnCompleteness(heard) {
            try? await speechToText.transcribe(paused.audio, sampleRate: rate, hints: hints.withHesitations)
        }
        switch verdict {
        case .complete:
            if let turn = core.withState({ $0.endTurn(paused) }) { await answer(turn, heard: .some(heard)) }
        case .unfinished:
            core.withState { $0.waitLonger(paused) }
        case .unsure:
            break
        }
    }

    /// `heard`, when given, is the turn's transcription already made at its pause.
    private mutating func answer(_ turn: CalleeTurn, heard known: Transcription?? = nil) async {
        // A machine's greeting, heard before its beep: nobody is waiting for an answer.
        if core.withState({ $0.leavingVoicemail }) {
            core.withState { $0.resolve(turn.slot, with: nil) }
            return
        }
        let conversation = await startedConversation()
        var heard: Transcription?
        var failed = false
        if let known {
            heard = known
        } else {
            let hints = await conversation?.recognitionHints() ?? .none
            do {
                heard = try await core.speechToText.transcribe(
                    turn.audio,
                    sampleRate: core.configuration.turnDetection.sampleRate,
                    hints: hints
                )
            } catch {
                core.report(.speechToText, error)
                failed = true
            }
        }
        if let text = heard?.text, text.allSatisfy(\.isWhitespace) {
            heard = nil
        }
        // A failed recognition is never noise: the callee may have said something that
        // matters, and the agent should ask again.
        if heard == nil, !failed, !turn.interruptedAgent, turn.durationMs < core.configuration.shortestUnrecognizedTurnMs {
            await passOverNoise(turn, conversation)
            return
        }
        held = nil
        let entry = TranscriptEntry(
            seq: 0,
            speaker: .callee,
            text: heard?.text ?? "",
            startMs: turn.startMs,
            endMs: turn.endMs,
            confidence: heard?.confidence ?? 0
        )
        let said = Transcription.joining(unanswered, heard)
        let (current, over) = core.withState { ($0.isCurrent(generation: turn.generation), $0.isOver) }
        if !current, !over {
            core.withState { $0.resolve(turn.slot, with: entry) }
            unanswered = said
            return
        }
        unanswered = nil
        await reply(to: said, for: turn, entry: entry, conversation)
    }

    /// A key: kept in the transcript as what the callee did, and answered when the agent
    /// has an answer for it (its opt-out key: the confirmation, then hang up). An opt-out is
    /// reported even after the call is over, like a late spoken one.
    private mutating func pressed(_ digit: String, slot: Int, atMs: Int) async {
        let reply = await startedConversation()?.reply(toDigit: digit)
        let entry = TranscriptEntry(
            seq: 0,
            speaker: .callee,
            text: "[key \(digit)]",
            startMs: atMs,
            endMs: atMs,
            confidence: 1,
            intent: reply?.intent
        )
        core.withState { $0.resolve(slot, with: entry) }
        guard let reply else { return }
        if reply.optOut { core.withState { $0.optOut() } }
        await speak(reply, interruptible: false, answering: nil)
    }

    /// A short turn nothing was recognized in: no transcript entry and no reply of its own.
    /// But a reply it made stale, or turns it kept from being answered, are answered now,
    /// or a cough would leave the callee waiting for an answer that never comes.
    private mutating func passOverNoise(_ turn: CalleeTurn, _ conversation: (any AgentConversation)?) async {
        core.withState { $0.resolve(turn.slot, with: nil) }
        guard core.withState({ $0.isCurrent(generation: turn.generation) && !$0.isOver }) else { return }
        if let speech = held {
            held = nil
            let now = core.now()
            if core.withState({ $0.enqueue(speech, generation: turn.generation, now: now) }) == .stale {
                held = speech
            }
        } else if let said = unanswered {
            unanswered = nil
            await reply(to: said, for: turn, entry: nil, conversation)
        }
    }

    /// Asks the agent, records the callee's entry with the agent's intent for it, and
    /// speaks the reply.
    private mutating func reply(
        to said: Transcription?,
        for turn: CalleeTurn,
        entry: TranscriptEntry?,
        _ conversation: (any AgentConversation)?
    ) async {
        guard let conversation else {
            if let entry { core.withState { $0.resolve(turn.slot, with: entry) } }
            return
        }
        let reply: AgentReply
        do {
            reply = try await conversation.reply(to: said)
        } catch {
            if let entry { core.withState { $0.resolve(turn.slot, with: entry) } }
            core.report(.reply, error)
            await endPolitely()
            return
        }
        if var entry {
            entry.intent = reply.intent
            core.withState { $0.resolve(turn.slot, with: entry) }
        }
        if reply.optOut { core.withState { $0.optOut() } }
        if let callback = reply.callback { core.withState { $0.scheduleCallback(callback) } }
        await speak(reply, interruptible: !reply.hangUp && !reply.handOff, answering: turn)
    }

    /// Synthesizes and queues a reply. A goodbye is not interruptible: nothing the callee
    /// says would be answered anyway, and cutting it off only makes the end abrupt.
    private mutating func speak(_ reply: AgentReply, interruptible: Bool, answering turn: CalleeTurn?) async {
        // After the end the agent is still asked about each turn, since a late "stop
        // calling me" must still opt the number out, but nothing more is said.
        guard !core.withState({ $0.isOver }) else { return }
        // The first sentence is synthesized and queued alone, so its audio starts while the
        // rest is synthesized: the callee's wait is one sentence's synthesis, not the reply's.
        let (first, rest) = Self.firstSentence(of: reply.text)
        var audio: [UInt8] = []
        if !first.isEmpty {
            do {
                audio = try await core.textToSpeech.synthesize(first)
            } catch {
                core.report(.textToSpeech, error)
                // The agent's conversation has moved on to words the callee cannot hear:
                // there is no sensible way to go on.
                await endPolitely()
                return
            }
        }
        var speech = PreparedSpeech(
            text: reply.text,
            audio: audio,
            hangUp: reply.hangUp,
            interruptible: interruptible,
            answersTurnEndingAtMs: turn?.endMs,
            // The hand-off line is marked in the transcript, as the voicemail message is.
            intent: reply.handOff ? reply.intent : nil,
            handOff: reply.handOff,
            complete: rest == nil
        )
        let now = core.now()
        let outcome = core.withState { $0.enqueue(speech, generation: turn?.generation, now: now) }
        var more: [UInt8] = []
        if let rest, outcome != .discarded {
            do {
                more = try await core.textToSpeech.synthesize(rest)
            } catch {
                // The first words are out; the utterance ends where they do.
                core.report(.textToSpeech, error)
            }
            if outcome == .queued {
                let now = core.now()
                _ = core.withState { $0.continueLastUtterance(more, complete: true, now: now) }
            }
        }
        if outcome == .stale {
            // If it is spoken at all, it is not an answer to the turn that just ended.
            speech.audio = audio + more
            speech.complete = true
            speech.answersTurnEndingAtMs = nil
            held = speech
        }
    }

    /// `text` cut after its first sentence, when more follows.
    static func firstSentence(of text: String) -> (first: String, rest: String?) {
        var index = text.startIndex
        while let end = text[index...].firstIndex(where: { ".?!".contains($0) }) {
            let after = text.index(after: end)
            guard after < text.endIndex else { break }
            if text[after].isWhitespace {
                let rest = text[after...].trimmingCharacters(in: .whitespaces)
                return rest.isEmpty ? (text, nil) : (String(text[..<after]), rest)
            }
            index = after
        }
        return (text, nil)
    }

    /// The dialer is ending the call (the service is draining): the agent's closing line,
    /// played to the end, then the hang-up. Turns already queued were answered first.
    private mutating func sayGoodbye() async {
        guard !core.withState({ $0.isOver }) else { return }
        guard let conversation = await startedConversation() else { return }
        let reply = await conversation.closing()
        await speak(AgentReply(text: reply.text, optOut: false, hangUp: true, intent: reply.intent), interruptible: false, answering: nil)
    }

    /// The answering machine is recording: the agent's message, played to the end, then
    /// the hang-up. Without a message to play (the agent or the speech failed), the call
    /// hangs up at once: a machine is owed no apology.
    private mutating func leaveVoicemail() async {
        let reply = await startedConversation()?.voicemail()
        await sayLastWords(reply?.text, intent: reply?.intent ?? AgentReply.voicemailIntent, isVoicemail: true)
    }

    /// There is no reply to give (the agent or the speech failed): say the configured
    /// apology if it can be said, and hang up. The agent's state after a failure is
    /// unknown, and a retry belongs in the agent's adapter, not here.
    private func endPolitely() async {
        guard !core.withState({ $0.isOver }) else { return }
        await sayLastWords(core.configuration.failureMessage, intent: nil, isVoicemail: false)
    }

    /// Queues `text` (nil or empty: nothing) and the hang-up after it; if it cannot be
    /// synthesized, the call hangs up without it.
    private func sayLastWords(_ text: String?, intent: String?, isVoicemail: Bool) async {
        var speech = PreparedSpeech(text: "", audio: [], hangUp: true, interruptible: false, answersTurnEndingAtMs: nil, isVoicemail: isVoicemail)
        if let text, !text.isEmpty {
            do {
                speech.audio = try await core.textToSpeech.synthesize(text)
                speech.text = text
                speech.intent = intent
            } catch {
                core.report(.textToSpeech, error)
            }
        }
        let now = core.now()
        _ = core.withState { $0.enqueue(speech, generation: nil, now: now) }
    }
}

extension Transcription {
    /// Two turns' words as one: the text joined, the lower confidence.
    static func joining(_ first: Transcription?, _ second: Transcription?) -> Transcription? {
        guard let first else { return second }
        guard let second else { return first }
        return Transcription(text: first.text + " " + second.text, confidence: min(first.confidence, second.confidence))
    }
}
