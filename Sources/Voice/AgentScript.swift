import Foundation

/// A campaign's conversation for ``ScriptedAgent``, written as JSON:
///
/// ```json
/// {
///   "greeting": "Hello, this is Maple Street Dental.",
///   "greetingWithName": "Hello {firstName}, this is Maple Street Dental.",
///   "disclosure": "I am an automated assistant with an artificial voice.",
///   "optOutOffer": "If you would rather not get these calls, say stop calling me.",
///   "steps": [
///     { "name": "confirm", "question": "Can you make your appointment tomorrow at ten?",
///       "intents": [
///         { "name": "yes", "phrases": ["yes", "sure"], "reply": "Great.", "next": "end" },
///         { "name": "no", "phrases": ["no", "cannot"], "reply": "Okay.", "next": "rebook" } ] },
///     { "name": "rebook", "question": "Shall we call you to find a new time?", "intents": [ … ] }
///   ],
///   "fallback": "Sorry, I did not catch that.",
///   "maxFallbacks": 2,
///   "closing": "Thank you. Goodbye.",
///   "minimumConfidence": 0.5,
///   "optOut": { "phrases": ["leave me alone"] },
///   "voicemail": "Please call us on 555 0100 to confirm your appointment.",
///   "purpose": "{message|It is about your appointment at {accountName}.}"
/// }
/// ```
///
/// The opening is the greeting, the disclosure, the opt-out offer and the first step's
/// question, in that order, so no script can start a call without saying that the voice is
/// artificial and how to opt out. Fields after `steps` are optional. ``load(contentsOfFile:)``
/// and ``init(json:)`` validate; a script built in code is checked by ``validate()``.
public struct AgentScript: Sendable, Equatable, Codable {
    /// The first words, when the callee's first name is unknown.
    public var greeting: String
    /// The first words when it is known: `{firstName}` is replaced by it.
    public var greetingWithName: String?
    /// That the caller is an automated agent with an artificial voice. Required.
    public var disclosure: String
    /// How to opt out; must name one of the hinted opt-out phrases (``OptOutPolicy/hintPhrases``),
    /// so the callee learns words even the embedded recognizer will hear. Required.
    public var optOutOffer: String
    /// What the call is about, said after the opt-out offer and before the first question
    /// (and in a voicemail message), e.g. `{message}`: left out when its placeholders have
    /// no value. Every line may use placeholders (``ScriptTemplate``).
    public var purpose: String?
    /// The questions; the conversation starts at the first.
    public var steps: [Step]
    /// Said, with the step's question again, when an answer is not understood.
    public var fallback: String
    /// How many times in a row a step is asked again before the call is closed.
    public var maxFallbacks: Int
    /// Said, before ``closing``, when the re-asks are spent.
    public var giveUp: String
    /// The last words of a call that ends normally.
    public var closing: String
    /// Answers recognized with less confidence than this count as not understood.
    public var minimumConfidence: Double
    /// Opt-out phrases and lines; the defaults always apply (see ``OptOutPolicy``).
    public var optOut: OptOutPolicy
    /// Asking for a person: the phrases, the key, and what is said.
    public var handOff: HandOffPolicy
    /// The message left on an answering machine after its beep, between the greeting and
    /// the disclosure before it and nothing after it: the call ends once it has played.
    public var voicemail: String

    /// One question and the answers it expects.
    public struct Step: Sendable, Equatable, Codable {
        /// Unique in the script; `end` is reserved.
        public var name: String
        public var question: String
        /// Tried in order of the longest matching phrase, then of the list.
        public var intents: [Intent]
        /// The step asks when to call back: an answer that names a time ("tomorrow
        /// afternoon", "Monday", "any time") schedules the contact's next call, before any
        /// intent is tried. May be its only answer.
        public var callback: CallbackAnswer?

        public init(name: String, question: String, intents: [Intent], callback: CallbackAnswer? = nil) {
            self.name = name
            self.question = question
            self.intents = intents
            self.callback = callback
        }

        private enum CodingKeys: String, CodingKey {
            case name, question, intents, callback
        }

        /// `intents` may be left out of a step that asks for a callback time.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.init(
                name: try container.decode(String.self, forKey: .name),
                question: try container.decode(String.self, forKey: .question),
                intents: try container.decodeIfPresent([Intent].self, forKey: .intents) ?? [],
                callback: try container.decodeIfPresent(CallbackAnswer.self, forKey: .callback)
            )
        }
    }

    /// One kind of answer to a step.
    public struct Intent: Sendable, Equatable, Codable {
        /// Reported as ``AgentReply/intent``.
        public var name: String
        /// Any of these in the answer selects the intent (see ``PhraseMatcher``).
        public var phrases: [String]
        /// Said before the next step's question (or the closing); may be empty.
        public var reply: String
        /// The next step's name, or ``AgentScript/end``.
        public var next: String

        public init(name: String, phrases: [String], reply: String, next: String) {
            self.name = name
            self.phrases = phrases
            self.reply = reply
            self.next = next
        }
    }

    /// The `next` that ends the conversation.
    public static let end = "end"

    public init(
        greeting: String,
        greetingWithName: String? = nil,
        disclosure: String,
        optOutOffer: String,
        purpose: String? = nil,
        steps: [Step],
        fallback: String = "Sorry, I did not catch that.",
        maxFallbacks: Int = 2,
        giveUp: String = "I am sorry, I still could not understand.",
        closing: String = "Thank you for your time. Goodbye.",
        minimumConfidence: Double = 0.5,
        optOut: OptOutPolicy = .standard,
        voicemail: String = AgentScript.defaultVoicemail,
        handOff: HandOffPolicy = .standard
    ) {
        self.greeting = greeting
        self.greetingWithName = greetingWithName
        self.disclosure = disclosure
        self.optOutOffer = optOutOffer
        self.steps = steps
        self.fallback = fallback
        self.maxFallbacks = maxFallbacks
        self.giveUp = giveUp
        self.closing = closing
        self.minimumConfidence = minimumConfidence
        self.optOut = optOut
        self.voicemail = voicemail
        self.purpose = purpose
        self.handOff = handOff
    }

    /// The voicemail message of a script that names none.
    public static let defaultVoicemail = "Please call us back when it suits you. Thank you, goodbye."

    /// Parses and validates a script.
    public init(json: Data) throws(AgentScriptError) {
        let decoded: AgentScript
        do {
            decoded = try JSONDecoder().decode(AgentScript.self, from: json)
        } catch let error as DecodingError {
            throw .malformed(Self.describe(error))
        } catch {
            throw .malformed("\(error)")
        }
        try decoded.validate()
        self = decoded
    }

    /// Parses and validates a script held as text (the campaign's `agent_script`).
    public init(json: String) throws(AgentScriptError) {
        try self.init(json: Data(json.utf8))
    }

    /// Reads, parses and validates the script file at `path`.
    public static func load(contentsOfFile path: String) throws(AgentScriptError) -> AgentScript {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .unreadable(path: path)
        }
        return try AgentScript(json: data)
    }

    /// The opening line for a callee with `firstName` (or none) and nothing else known.
    public func opening(firstName: String?) -> String {
        opening(for: AgentCallContext(callSID: "", firstName: firstName))
    }

    /// The opening line of `call`: greeting, disclosure, opt-out offer, purpose, first
    /// question, with the call's context filled in.
    public func opening(for call: AgentCallContext) -> String {
        Self.sentences(hello(call), disclosure, optOutOffer, purpose ?? "", steps.first?.question ?? "").filled(for: call)
    }

    /// The message an answering machine records: the greeting, the disclosure and the
    /// purpose first, as in every call, then the script's voicemail line.
    public func voicemailMessage(for call: AgentCallContext) -> String {
        Self.sentences(hello(call), disclosure, purpose ?? "", voicemail).filled(for: call)
    }

    /// The greeting to fill: the one with the name when there is a name to put in it.
    private func hello(_ call: AgentCallContext) -> String {
        let name = call.firstName?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        return name.isEmpty ? greeting : greetingWithName ?? greeting
    }

    /// Non-empty parts joined by spaces: each reply is several of the script's lines.
    static func sentences(_ parts: String...) -> String {
        parts.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }.joined(separator: " ")
    }

    private enum CodingKeys: String, CodingKey {
        case greeting, greetingWithName, disclosure, optOutOffer, steps, fallback, maxFallbacks
        case giveUp, closing, minimumConfidence, optOut, voicemail, purpose, handOff
    }

    /// Required: greeting, disclosure, optOutOffer, steps (validation says what is wrong with
    /// them); the rest take the defaults of ``init(greeting:greetingWithName:disclosure:optOutOffer:purpose:steps:fallback:maxFallbacks:giveUp:closing:minimumConfidence:optOut:voicemail:handOff:)``.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = AgentScript(greeting: "", disclosure: "", optOutOffer: "", steps: [])
        self.init(
            greeting: try container.decodeIfPresent(String.self, forKey: .greeting) ?? "",
            greetingWithName: try container.decodeIfPresent(String.self, forKey: .greetingWithName),
            disclosure: try container.decodeIfPresent(String.self, forKey: .disclosure) ?? "",
            optOutOffer: try container.decodeIfPresent(String.self, forKey: .optOutOffer) ?? "",
            purpose: try container.decodeIfPresent(String.self, forKey: .purpose),
            steps: try container.decodeIfPresent([Step].self, forKey: .steps) ?? [],
            fallback: try container.decodeIfPresent(String.self, forKey: .fallback) ?? defaults.fallback,
            maxFallbacks: try container.decodeIfPresent(Int.self, forKey: .maxFallbacks) ?? defaults.maxFallbacks,
            giveUp: try container.decodeIfPresent(String.self, forKey: .giveUp) ?? defaults.giveUp,
            closing: try container.decodeIfPresent(String.self, forKey: .closing) ?? defaults.closing,
            minimumConfidence: try container.decodeIfPresent(Double.self, forKey: .minimumConfidence) ?? defaults.minimumConfidence,
            optOut: try container.decodeIfPresent(OptOutPolicy.self, forKey: .optOut) ?? .standard,
            voicemail: try container.decodeIfPresent(String.self, forKey: .voicemail) ?? defaults.voicemail,
            handOff: try container.decodeIfPresent(HandOffPolicy.self, forKey: .handOff) ?? .standard
        )
    }

    /// A decoding error as a path and a reason: `steps[1].intents[0].next: missing`.
    private static func describe(_ error: DecodingError) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            var text = ""
            for key in codingPath {
                if let index = key.intValue {
                    text += "[\(index)]"
                } else {
                    text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
                }
            }
            return text.isEmpty ? "the script" : text
        }
        switch error {
        case let .keyNotFound(key, context):
            return "\(path(context.codingPath + [key])): missing"
        case let .typeMismatch(type, context):
            return "\(path(context.codingPath)): expected \(Self.jsonName(of: type))"
        case let .valueNotFound(type, context):
            return "\(path(context.codingPath)): expected \(Self.jsonName(of: type)), found null"
        case let .dataCorrupted(context):
            return context.codingPath.isEmpty ? "not valid JSON" : "\(path(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }

    private static func jsonName(of type: Any.Type) -> String {
        // JSONDecoder reports containers as `[Any]` and `[String: Any]`.
        let name = String(describing: type)
        if type == String.self { return "a string" }
        if type == Int.self || type == Double.self { return "a number" }
        if type == Bool.self { return "true or false" }
        if name.hasPrefix("Array") || (name.hasPrefix("[") && !name.contains(":")) { return "a list" }
        return "an object"
    }
}

extension String {
    /// The line with its placeholders filled from `call` (``ScriptTemplate``).
    func filled(for call: AgentCallContext) -> String {
        ScriptTemplate.render(self, for: call)
    }
}
