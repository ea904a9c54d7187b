/// The agent's side of ``ConversationState``: utterances queued, sent at the rate they
/// play, confirmed by Twilio's mark echoes, and cut off by barge-in.
///
/// Twilio plays what it is sent in order and echoes a mark once everything before it has
/// played; the session's own estimate of playback (``ConversationState/playheadEnd``) is
/// used only for pacing, and what reaches the transcript is what the marks confirmed.
extension ConversationState {
    /// One reply being played, or waiting to be.
    struct Utterance {
        let number: Int
        let text: String
        /// Whole chunks (the last one padded with silence).
        var audio: [UInt8]
        let interruptible: Bool
        /// Kept in the transcript entry: what the utterance was (the voicemail message).
        let intent: String?
        /// For the turn latency: the end of the callee speech this answers.
        let answersTurnEndingAtMs: Int?
        var sentBytes = 0
        /// Its transcript place, taken when its first audio goes out.
        var slot: Int?
        var startMs = 0
        /// How much of it Twilio has confirmed played.
        var confirmedMs = 0
        var nextMarkMs: Int
        /// All its audio is here; until then more is synthesized while the first words play.
        var complete = true

        /// Audio not sent yet, or still to come.
        var isOutstanding: Bool { sentBytes < audio.count || !complete }
    }

    struct PendingMark {
        let name: String
        let utterance: Int
        let offsetMs: Int
        let isFinal: Bool
    }

    /// Queues a reply to be spoken. `generation` is that of the turn it answers: if the
    /// callee has begun another turn since, the reply is `.stale` and not queued (a reply
    /// that ends the call is never stale). Nothing is queued after the end of the
    /// conversation.
    mutating func enqueue(_ speech: PreparedSpeech, generation: Int?, now: Duration) -> EnqueueOutcome {
        // The voicemail message is the one thing said once the conversation is over.
        guard speech.isVoicemail ? !stopped && !hangUpRequested : !isOver else { return .discarded }
        if !speech.hangUp, !speech.handOff, let generation, generation != self.generation {
            return .stale
        }
        if speech.hangUp || speech.handOff {
            hangUpRequested = true
            handOffRequested = speech.handOff
        }
        if !speech.audio.isEmpty {
            var audio = speech.audio
            let remainder = audio.count % chunkBytes
            if remainder != 0 {
                // 0xFF is mu-law's zero: Twilio gets whole 20 ms chunks only.
                audio.append(contentsOf: repeatElement(0xFF, count: chunkBytes - remainder))
            }
            utterances.append(
                Utterance(
                    number: utteranceCount,
                    text: speech.text,
                    audio: audio,
                    interruptible: speech.interruptible,
                    intent: speech.intent,
                    answersTurnEndingAtMs: speech.answersTurnEndingAtMs,
                    nextMarkMs: configuration.pacing.markIntervalMs,
                    complete: speech.complete
                )
            )
            utteranceCount += 1
            doorbell.yield()
        } else if speech.hangUp, hangUpDeadline == nil, !utterances.isEmpty,
            !utterances.contains(where: \.isOutstanding)
        {
            // Nothing more to send, so no last chunk will set the deadline: set it here,
            // and wake the pacer to keep it.
            hangUpDeadline = max(playheadEnd, now) + .milliseconds(configuration.pacing.hangUpMarkTimeoutMs)
            doorbell.yield()
        }
        hangUpIfIdle()
        return .queued
    }

    /// The rest of the last utterance queued, synthesized while its first words play
    /// (``PreparedSpeech/complete`` false). Returns false when it is gone (the callee cut it
    /// off, the call stopped): nothing more of it is wanted.
    mutating func continueLastUtterance(_ audio: [UInt8], complete: Bool, now: Duration) -> Bool {
        guard !stopped, let index = utterances.indices.last, utterances[index].number == utteranceCount - 1,
            !utterances[index].complete
        else { return false }
        var audio = audio
        let remainder = audio.count % chunkBytes
        if remainder != 0 { audio.append(contentsOf: repeatElement(0xFF, count: chunkBytes - remainder)) }
        utterances[index].audio += audio
        utterances[index].complete = complete
        if complete, utterances[index].sentBytes == utterances[index].audio.count {
            // Everything had gone out before the end was known: its final mark goes now.
            let offsetMs = utterances[index].audio.count / samplesPerMs
            let number = utterances[index].number
            sendMark(for: number, "agent-\(number)-end-\(offsetMs)ms", offsetMs: offsetMs, isFinal: true)
            if hangUpRequested, !utterances.contains(where: \.isOutstanding) {
                hangUpDeadline = max(playheadEnd, now) + .milliseconds(configuration.pacing.hangUpMarkTimeoutMs)
            }
        }
        doorbell.yield()
        return true
    }

    /// Sends what is due at session time `now` and says when to come back.
    mutating func pace(now: Duration) -> PacerStep {
        guard !stopped else { return .idle }
        let pacing = configuration.pacing
        let lead = Duration.milliseconds(pacing.leadMs)
        // In order: an utterance whose next words are still being synthesized holds back
        // the ones behind it.
        while playheadEnd - now < lead, let index = utterances.firstIndex(where: \.isOutstanding),
            utterances[index].sentBytes < utterances[index].audio.count
        {
            sendChunk(of: index, now: now)
        }
        if !hangUpSent, let deadline = hangUpDeadline, now >= deadline {
            // Twilio never echoed the last mark: hang up rather than hold the line open.
            emitHangUp()
        }
        var wake: Duration?
        if utterances.contains(where: { $0.sentBytes < $0.audio.count }) {
            wake = playheadEnd - lead + .milliseconds(pacing.refillMs)
        }
        if !hangUpSent, let deadline = hangUpDeadline {
            wake = min(wake ?? deadline, deadline)
        }
        return wake.map(PacerStep.sleep(until:)) ?? .idle
    }

    private mutating func sendChunk(of index: Int, now: Duration) {
        let playStart = max(playheadEnd, now)
        if utterances[index].sentBytes == 0 {
            // The utterance's audio starts playing when it reaches Twilio, or when the audio
            // already queued there ends.
            let startMs = streamMs(playStart)
            utterances[index].slot = transcript.reserve()
            utterances[index].startMs = startMs
            if let endMs = utterances[index].answersTurnEndingAtMs {
                output.yield(.turnLatency(.milliseconds(startMs - endMs)))
            }
        }
        let utterance = utterances[index]
        let end = utterance.sentBytes + chunkBytes
        output.yield(.media(Array(utterance.audio[utterance.sentBytes..<end])))
        utterances[index].sentBytes = end
        playheadEnd = playStart + .milliseconds(chunkBytes / samplesPerMs)

        let offsetMs = end / samplesPerMs
        if end == utterance.audio.count, utterance.complete {
            sendMark(for: utterance.number, "agent-\(utterance.number)-end-\(offsetMs)ms", offsetMs: offsetMs, isFinal: true)
            if hangUpRequested, !utterances.contains(where: \.isOutstanding) {
                hangUpDeadline = playheadEnd + .milliseconds(configuration.pacing.hangUpMarkTimeoutMs)
            }
        } else if offsetMs >= utterance.nextMarkMs {
            sendMark(for: utterance.number, "agent-\(utterance.number)-\(offsetMs)ms", offsetMs: offsetMs, isFinal: false)
            utterances[index].nextMarkMs += configuration.pacing.markIntervalMs
        }
    }

    private mutating func sendMark(for utterance: Int, _ name: String, offsetMs: Int, isFinal: Bool) {
        marks.append(PendingMark(name: name, utterance: utterance, offsetMs: offsetMs, isFinal: isFinal))
        output.yield(.mark(name))
    }

    /// Twilio echoed a mark: everything sent before it has played. Names the session does
    /// not expect (the echoes of marks dropped by a `clear`, which Twilio sends back
    /// after clearing) change nothing.
    mutating func receiveMark(_ name: String) {
        guard !stopped, let position = marks.firstIndex(where: { $0.name == name }) else { return }
        // Echoes come in order; one passed over means its audio has played too.
        let confirmed = marks[...position]
        marks.removeFirst(position + 1)
        for mark in confirmed {
            guard let index = utterances.firstIndex(where: { $0.number == mark.utterance }) else { continue }
            utterances[index].confirmedMs = mark.offsetMs
            if mark.isFinal {
                close(utterances.remove(at: index), interrupted: false)
            }
        }
        hangUpIfIdle()
    }

    /// The callee began a turn: if the agent is speaking and may be cut off, clear Twilio's
    /// buffer and end its entries where playback was last confirmed. Returns whether it did.
    ///
    /// Only the confirmed position is used, not the session's own playback estimate: the
    /// mark is the one thing known to have been heard. An utterance that is all protected
    /// (the opening, a goodbye) is played to the end; so is anything queued behind it.
    mutating func bargeIn(now: Duration) -> Bool {
        guard !utterances.isEmpty, utterances.allSatisfy(\.interruptible) else { return false }
        cutOffAgent(now: now)
        return true
    }

    /// Clears Twilio's buffer of whatever the agent has queued, protected or not, and closes
    /// its entries where playback was last confirmed.
    mutating func cutOffAgent(now: Duration) {
        if utterances.contains(where: { $0.sentBytes > 0 }) {
            output.yield(.clear)
        }
        for utterance in utterances where utterance.slot != nil {
            close(utterance, interrupted: true)
        }
        utterances.removeAll()
        marks.removeAll()
        playheadEnd = now
        hangUpIfIdle()
    }

    /// Closes an utterance's transcript entry. An interrupted one ends at the last
    /// confirmed mark but keeps its whole text: the audio carries no word timings, so
    /// where in the text playback stopped would be a guess, while the times say exactly
    /// how much was confirmed heard.
    mutating func close(_ utterance: Utterance, interrupted: Bool) {
        guard let slot = utterance.slot else { return }
        let durationMs = utterance.audio.count / samplesPerMs
        resolve(
            slot,
            with: TranscriptEntry(
                seq: 0,
                speaker: .agent,
                text: utterance.text,
                startMs: utterance.startMs,
                endMs: utterance.startMs + (interrupted ? utterance.confirmedMs : durationMs),
                interrupted: interrupted,
                intent: utterance.intent
            )
        )
    }

    mutating func hangUpIfIdle() {
        if hangUpRequested, !hangUpSent, !stopped, utterances.isEmpty {
            emitHangUp()
        }
    }

    private mutating func emitHangUp() {
        hangUpSent = true
        hangUpDeadline = nil
        output.yield(handOffRequested ? .handOff : .hangUp)
    }
}

/// An agent reply with its audio, ready for ``ConversationState/enqueue(_:generation:now:)``.
struct PreparedSpeech: Sendable {
    var text: String
    /// 8 kHz mu-law; empty when there is nothing to say.
    var audio: [UInt8]
    var hangUp: Bool
    var interruptible: Bool
    var answersTurnEndingAtMs: Int?
    /// For the utterance's transcript entry.
    var intent: String? = nil
    /// The message for an answering machine: queued although the conversation is over.
    var isVoicemail = false
    /// Hand the call to a person once it has played.
    var handOff = false
    /// False: `audio` is the first words only, and the rest follows
    /// (``ConversationState/continueLastUtterance(_:complete:now:)``).
    var complete = true
}

enum EnqueueOutcome: Sendable, Equatable {
    case queued
    /// The callee has begun a newer turn; the reply was not queued.
    case stale
    /// The conversation is over; nothing more is said.
    case discarded
}

/// What the pacer does next.
enum PacerStep: Sendable, Equatable {
    case sleep(until: Duration)
    /// Nothing to send: wait for the doorbell.
    case idle
}
