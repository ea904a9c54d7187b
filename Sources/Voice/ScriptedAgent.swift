import Foundation

/// The embedded ``Agent``: follows an ``AgentScript``, no network, no model.
///
/// Each turn, in this order: an opt-out (by the script's ``OptOutPolicy``) wins over
/// everything; then the current step's intents, judged on normalized words (the longest
/// matching phrase wins, then the earlier intent); a transcription below the script's
/// `minimumConfidence`, or one that matches no intent, is not understood: the step is asked
/// again after the fallback line, up to `maxFallbacks` times in a row, and then the call is
/// closed.
public struct ScriptedAgent: Agent {
    public let script: AgentScript
    /// The time a callback is counted from ("tomorrow"); tests set it.
    let now: @Sendable () -> Date

    /// An agent for `script`, which must be valid.
    public init(script: AgentScript = .default, now: @escaping @Sendable () -> Date = { Date() }) throws(AgentScriptError) {
        try script.validate()
        self.script = script
        self.now = now
    }

    public func startConversation(_ call: AgentCallContext) async throws -> any AgentConversation {
        ScriptedConversation(script: script, call: call, now: now)
    }
}

/// One call's position in the script.
actor ScriptedConversation: AgentConversation {
    private let script: AgentScript
    private let call: AgentCallContext
    private let intentMatchers: [[PhraseMatcher]]
    private let handOffMatcher: PhraseMatcher
    private let callbackMatcher = PhraseMatcher(CallbackRequest.vocabulary)
    private let now: @Sendable () -> Date
    private var step = 0
    /// Answers not understood in a row on this step.
    private var fallbacks = 0
    private var state = State.asking

    private enum State {
        case asking
        /// An opt-out was heard with low confidence; the check question is pending.
        case checkingOptOut
        case ended
    }

    init(script: AgentScript, call: AgentCallContext, now: @escaping @Sendable () -> Date = { Date() }) {
        self.script = script
        self.call = call
        self.now = now
        self.intentMatchers = script.steps.map { step in step.intents.map { PhraseMatcher($0.phrases) } }
        self.handOffMatcher = PhraseMatcher(script.handOff.phrases)
    }

    func opening() -> AgentReply {
        AgentReply(text: script.opening(for: call))
    }

    /// Every line said with the call's context filled in (``ScriptTemplate``).
    func reply(to callee: Transcription?) -> AgentReply {
        filled(decide(callee))
    }

    private func filled(_ reply: AgentReply) -> AgentReply {
        var reply = reply
        reply.text = reply.text.filled(for: call)
        return reply
    }

    private func decide(_ callee: Transcription?) -> AgentReply {
        switch state {
        case .ended:
            return AgentReply(text: "", hangUp: true)
        case .checkingOptOut:
            if script.optOut.answerToCheckOptsOut(callee) { return end(script.optOut.optOutReply) }
            state = .asking
            return AgentReply(text: AgentScript.sentences(script.optOut.resume, currentStep.question))
        case .asking:
            break
        }
        switch script.optOut.verdict(on: callee) {
        case .optOut:
            return end(script.optOut.optOutReply)
        case .unsure:
            state = .checkingOptOut
            return script.optOut.checkReply
        case .none:
            break
        }
        if let callee, callee.confidence >= script.minimumConfidence, handOffMatcher.matches(callee.text) {
            return handOff()
        }
        if let answer = currentStep.callback, let callee, callee.confidence >= script.minimumConfidence,
            let request = CallbackRequest(callee.text)
        {
            fallbacks = 0
            return callback(request, answer)
        }
        guard let callee, callee.confidence >= script.minimumConfidence, let index = intentIndex(for: callee.text) else {
            return notUnderstood()
        }
        fallbacks = 0
        let intent = currentStep.intents[index]
        guard intent.next != AgentScript.end, let next = script.steps.firstIndex(where: { $0.name == intent.next }) else {
            return end(AgentReply(text: AgentScript.sentences(intent.reply, script.closing), hangUp: true, intent: intent.name))
        }
        step = next
        return AgentReply(text: AgentScript.sentences(intent.reply, currentStep.question), intent: intent.name)
    }

    /// The script's opt-out key ends the call like a spoken opt-out; its hand-off key asks
    /// for a person; other keys change nothing.
    func reply(toDigit digit: String) -> AgentReply? {
        if let reply = script.optOut.reply(toDigit: digit) { return filled(end(reply)) }
        guard digit == script.handOff.digit, case .asking = state else { return nil }
        return filled(handOff())
    }

    /// The callee asked for a person: put through when someone is there, else the
    /// callback question (or the close).
    private func handOff() -> AgentReply {
        let policy = script.handOff
        if case .available = call.handOff {
            var reply = end(AgentReply(text: policy.line, intent: AgentReply.handOffIntent))
            reply.handOff = true
            return reply
        }
        if let name = policy.callbackStep, let index = script.steps.firstIndex(where: { $0.name == name }) {
            step = index
            fallbacks = 0
            return AgentReply(text: AgentScript.sentences(policy.unavailable, currentStep.question), intent: AgentReply.handOffUnavailableIntent)
        }
        return end(
            AgentReply(text: AgentScript.sentences(policy.unavailable, script.closing), hangUp: true, intent: AgentReply.handOffUnavailableIntent)
        )
    }

    /// The callee named a time: the window it fits in, said back, then the answer's next step.
    private func callback(_ request: CallbackRequest, _ answer: CallbackAnswer) -> AgentReply {
        let window = call.callbackHours?.window(for: request, now: now())
        var reply: AgentReply
        if answer.next != AgentScript.end, let next = script.steps.firstIndex(where: { $0.name == answer.next }) {
            step = next
            reply = AgentReply(text: AgentScript.sentences(answer.line(for: window), currentStep.question), intent: AgentReply.callbackIntent)
        } else {
            reply = end(
                AgentReply(text: AgentScript.sentences(answer.line(for: window), script.closing), hangUp: true, intent: AgentReply.callbackIntent)
            )
        }
        reply.callback = window
        return reply
    }

    /// The script's closing line: the call ends without finishing the script.
    func closing() -> AgentReply {
        filled(end(AgentReply(text: script.closing, hangUp: true)))
    }

    func voicemail() -> AgentReply {
        end(AgentReply(text: script.voicemailMessage(for: call), hangUp: true, intent: AgentReply.voicemailIntent))
    }

    nonisolated var judgesTurnEnds: Bool { true }

    /// A clear answer of several words ("no thanks", "stop calling me", "a person") is whole.
    /// A one-word answer is whole only if the recognizer, given the hesitations too, still
    /// hears that word (a grammar of answers alone hears "no" in "so" and in "um"), and if
    /// no longer phrase of the step begins with it ("no" may be "no thanks" on its way).
    /// Fillers alone, words that lead on ("and", "let me think"), or a hesitation where no
    /// answer was heard, are a callee mid-phrase. Fillers after the last word are left
    /// aside: a recognizer given them hears one in the breath after a word.
    func turnCompleteness(_ heard: Transcription?, hesitant: @Sendable () async -> Transcription?) async -> TurnCompleteness {
        if case .ended = state { return .unsure }
        let phrase = heard.flatMap { heard in heard.confidence >= script.minimumConfidence ? answerPhrase(in: heard) : nil }
        if let phrase, phrase.count > 1 { return .complete }
        guard let hesitant = await hesitant() else { return .unsure }
        var words = PhraseMatcher.words(hesitant.text)
        while let last = words.last, RecognitionHints.fillers.contains(last) { words.removeLast() }
        guard let last = words.last else { return .unfinished }
        if let phrase, words.contains(phrase[0]) {
            // A day alone ("monday …") is most often followed by the part of it: waiting the
            // usual 700 ms cut "monday [700 ms] morning" in two (dialer-lab bench turns).
            if namesADayAlone(phrase[0]) { return .unfinished }
            return beginsLongerPhrase(phrase[0]) ? .unsure : .complete
        }
        if Self.leadingOnWords.contains(last) { return .unfinished }
        let hesitated = words.contains { Self.leadingOnWords.contains($0) || RecognitionHints.fillers.contains($0) }
        return phrase == nil && hesitated ? .unfinished : .unsure
    }

    /// The words of the longest step, opt-out or hand-off phrase in `heard`.
    private func answerPhrase(in heard: Transcription) -> [String]? {
        let words = PhraseMatcher.words(heard.text)
        var matchers = [PhraseMatcher(script.optOut.phrases), handOffMatcher]
        if case .asking = state {
            matchers += intentMatchers[step]
            if currentStep.callback != nil { matchers.append(callbackMatcher) }
        }
        var best: [String]?
        for matcher in matchers {
            if let match = matcher.longestMatch(inWords: words), match.wordCount > (best?.count ?? 0) {
                best = PhraseMatcher.words(match.phrase)
            }
        }
        return best
    }

    /// Whether `word` is a day, on a step that asks for a callback time.
    private func namesADayAlone(_ word: String) -> Bool {
        guard case .asking = state else { return false }
        return currentStep.callback != nil && CallbackRequest.dayWords.contains(word)
    }

    /// Whether a phrase of the current step has more words after `word`.
    private func beginsLongerPhrase(_ word: String) -> Bool {
        guard case .asking = state else { return false }
        return currentStep.intents.flatMap(\.phrases).contains { phrase in
            let words = PhraseMatcher.words(phrase)
            return words.count > 1 && words[0] == word
        }
    }

    /// The last words of the hesitations that are not mere fillers: "i am" leads on with "am".
    static let leadingOnWords = Set(
        RecognitionHints.hesitations.filter { !RecognitionHints.fillers.contains($0) }.compactMap { PhraseMatcher.words($0).last }
    )

    func recognitionHints() -> RecognitionHints {
        switch state {
        case .asking:
            let times = currentStep.callback == nil ? [] : CallbackRequest.vocabulary
            let phrases = currentStep.intents.flatMap(\.phrases) + times + script.optOut.hintPhrases + script.handOff.hintPhrases
            return RecognitionHints(phrases: PhraseMatcher(phrases).phrases)
        case .checkingOptOut:
            return RecognitionHints(phrases: script.optOut.checkHints)
        case .ended:
            return RecognitionHints(phrases: script.optOut.hintPhrases)
        }
    }

    private var currentStep: AgentScript.Step { script.steps[step] }

    /// The intent whose phrase in `text` is longest; the earlier intent on a tie.
    private func intentIndex(for text: String) -> Int? {
        let words = PhraseMatcher.words(text)
        var best: (index: Int, wordCount: Int)?
        for (index, matcher) in intentMatchers[step].enumerated() {
            if let match = matcher.longestMatch(inWords: words), match.wordCount > (best?.wordCount ?? 0) {
                best = (index, match.wordCount)
            }
        }
        return best?.index
    }

    private func notUnderstood() -> AgentReply {
        fallbacks += 1
        guard fallbacks <= script.maxFallbacks else {
            return end(AgentReply(text: AgentScript.sentences(script.giveUp, script.closing), hangUp: true))
        }
        return AgentReply(text: AgentScript.sentences(script.fallback, currentStep.question))
    }

    private func end(_ reply: AgentReply) -> AgentReply {
        state = .ended
        return reply
    }
}
