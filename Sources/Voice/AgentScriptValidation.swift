/// What is wrong with an agent script, naming the field, step or intent, so that whoever
/// wrote it can fix it from the message alone.
public enum AgentScriptError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadable(path: String)
    /// Not JSON, or a field of the wrong type: a path such as `steps[1].intents[0].next` and why.
    case malformed(String)
    case missingGreeting
    case missingDisclosure
    case missingOptOutOffer
    /// The offer contains no hinted opt-out phrase, so the callee is not told what works.
    case optOutOfferNamesNoPhrase(String)
    case invalidOptOutDigit(String)
    case greetingWithNameLacksPlaceholder
    case noSteps
    case unnamedStep(index: Int)
    case reservedStepName
    case duplicateStep(String)
    case emptyQuestion(step: String)
    case emptyIntents(step: String)
    case unnamedIntent(step: String, index: Int)
    case duplicateIntent(step: String, intent: String)
    case emptyPhrases(step: String, intent: String)
    case unknownNextStep(step: String, intent: String, next: String)
    case unreachableStep(String)
    case confidenceOutOfRange(field: String, value: Double)
    case negativeMaxFallbacks(Int)
    case missingOptOutLine(field: String)
    case missingVoicemail
    case missingCallbackLine(step: String)

    public var description: String {
        switch self {
        case .unreadable(let path): "agent script: cannot read \(path)"
        case .malformed(let detail): "agent script: \(detail)"
        case .missingGreeting: "agent script: greeting is missing or empty"
        case .missingDisclosure:
            "agent script: disclosure is missing or empty; the greeting must say that the voice is artificial"
        case .missingOptOutOffer:
            "agent script: optOutOffer is missing or empty; the greeting must offer a spoken opt-out"
        case .optOutOfferNamesNoPhrase(let offer):
            "agent script: optOutOffer \"\(offer)\" names none of the hinted opt-out phrases (e.g. \"stop calling me\")"
        case .greetingWithNameLacksPlaceholder: "agent script: greetingWithName has no {firstName}"
        case .noSteps: "agent script: steps is empty; at least one step is needed"
        case .unnamedStep(let index): "agent script: steps[\(index)] has an empty name"
        case .reservedStepName: "agent script: a step is named \"\(AgentScript.end)\", which is reserved for ending the call"
        case .duplicateStep(let name): "agent script: two steps are named \"\(name)\""
        case .emptyQuestion(let step): "agent script: step \"\(step)\" has an empty question"
        case .emptyIntents(let step): "agent script: step \"\(step)\" has no intents (and no callback)"
        case .missingCallbackLine(let step): "agent script: step \"\(step)\", callback: reply and unavailable must not be empty"
        case let .unnamedIntent(step, index): "agent script: step \"\(step)\", intents[\(index)] has an empty name"
        case let .duplicateIntent(step, intent): "agent script: step \"\(step)\" has two intents named \"\(intent)\""
        case let .emptyPhrases(step, intent): "agent script: step \"\(step)\", intent \"\(intent)\" has no phrases"
        case let .unknownNextStep(step, intent, next):
            "agent script: step \"\(step)\", intent \"\(intent)\": next step \"\(next)\" does not exist (use a step's name or \"\(AgentScript.end)\")"
        case .unreachableStep(let name): "agent script: step \"\(name)\" is never reached from the first step"
        case let .confidenceOutOfRange(field, value): "agent script: \(field) is \(value); it must be between 0 and 1"
        case .negativeMaxFallbacks(let value): "agent script: maxFallbacks is \(value); it must be 0 or more"
        case .missingOptOutLine(let field): "agent script: optOut.\(field) is empty"
        case .missingVoicemail: "agent script: voicemail is empty; leave it out for the default message"
        case .invalidOptOutDigit(let digit): "agent script: optOut.digit \"\(digit)\" is not a telephone key (0-9, * or #)"
        }
    }
}

extension AgentScript {
    /// Checks what JSON decoding cannot: the required lines are there, every `next` names a
    /// step, every step is reachable, every intent can match something. Throws the first
    /// problem found, in the order of the file.
    public func validate() throws(AgentScriptError) {
        func blank(_ text: String) -> Bool { text.allSatisfy(\.isWhitespace) }
        if blank(greeting) { throw .missingGreeting }
        if blank(disclosure) { throw .missingDisclosure }
        if blank(optOutOffer) { throw .missingOptOutOffer }
        // A hinted phrase, so that the embedded recognizer can hear what the callee is told to say.
        if !PhraseMatcher(optOut.hintPhrases).matches(optOutOffer) { throw .optOutOfferNamesNoPhrase(optOutOffer) }
        if let greetingWithName, !greetingWithName.contains("{firstName}") { throw .greetingWithNameLacksPlaceholder }
        for (field, value) in [("minimumConfidence", minimumConfidence), ("optOut.minimumConfidence", optOut.minimumConfidence)]
        where !(0...1).contains(value) {
            throw .confidenceOutOfRange(field: field, value: value)
        }
        if maxFallbacks < 0 { throw .negativeMaxFallbacks(maxFallbacks) }
        if blank(voicemail) { throw .missingVoicemail }
        if let digit = optOut.digit, !OptOutPolicy.telephoneKeys.contains(digit) { throw .invalidOptOutDigit(digit) }
        for (field, value) in [("confirmation", optOut.confirmation), ("check", optOut.check)] where blank(value) {
            throw .missingOptOutLine(field: field)
        }

        guard !steps.isEmpty else { throw .noSteps }
        var names: Set<String> = []
        for (index, step) in steps.enumerated() {
            if blank(step.name) { throw .unnamedStep(index: index) }
            if step.name == Self.end { throw .reservedStepName }
            if !names.insert(step.name).inserted { throw .duplicateStep(step.name) }
        }
        for step in steps {
            if blank(step.question) { throw .emptyQuestion(step: step.name) }
            if step.intents.isEmpty && step.callback == nil { throw .emptyIntents(step: step.name) }
            if let callback = step.callback {
                if callback.next != Self.end && !names.contains(callback.next) {
                    throw .unknownNextStep(step: step.name, intent: AgentReply.callbackIntent, next: callback.next)
                }
                if blank(callback.reply) || blank(callback.unavailable) { throw .missingCallbackLine(step: step.name) }
            }
            var intentNames: Set<String> = []
            for (index, intent) in step.intents.enumerated() {
                if blank(intent.name) { throw .unnamedIntent(step: step.name, index: index) }
                if !intentNames.insert(intent.name).inserted { throw .duplicateIntent(step: step.name, intent: intent.name) }
                // A phrase of punctuation alone normalizes to nothing and could never match.
                if PhraseMatcher(intent.phrases).phrases.isEmpty { throw .emptyPhrases(step: step.name, intent: intent.name) }
                if intent.next != Self.end && !names.contains(intent.next) {
                    throw .unknownNextStep(step: step.name, intent: intent.name, next: intent.next)
                }
            }
        }

        // A step no path reaches is almost always a misspelt `next` elsewhere.
        var reached: Set<String> = [steps[0].name]
        var pending = [steps[0]]
        while let step = pending.popLast() {
            for next in step.intents.map(\.next) + [step.callback?.next].compactMap({ $0 }) where next != Self.end && reached.insert(next).inserted {
                if let step = steps.first(where: { $0.name == next }) { pending.append(step) }
            }
        }
        if let unreached = steps.first(where: { !reached.contains($0.name) }) { throw .unreachableStep(unreached.name) }
    }
}
