/// How a script hands a callee who asks for a person to one: the words that ask, the key
/// that does, and what the agent says when someone is there and when nobody is.
///
/// Inside the campaign's transfer hours the agent says ``line`` and the call is put through
/// once it has been heard (``AgentReply/handOff``); outside them, or for a campaign without a
/// transfer number, it says ``unavailable`` and asks the script's ``callbackStep`` question
/// (when it has one) so the callee can pick a time to be called back instead.
public struct HandOffPolicy: Sendable, Equatable, Codable {
    /// Any of these in a turn asks for a person (see ``PhraseMatcher``).
    public var phrases: [String]
    /// The key that asks for a person; nil: none.
    public var digit: String?
    public var line: String
    public var unavailable: String
    /// The step whose question follows ``unavailable`` (a callback time); nil or unknown:
    /// the call closes after it.
    public var callbackStep: String?

    public init(
        phrases: [String] = ["a person", "a human", "real person", "an agent", "representative", "speak to someone", "operator"],
        digit: String? = "0",
        line: String = "Of course. I will put you through to a colleague now. Please hold.",
        unavailable: String = "I am sorry, nobody from the team is available right now.",
        callbackStep: String? = nil
    ) {
        self.phrases = phrases
        self.digit = digit
        self.line = line
        self.unavailable = unavailable
        self.callbackStep = callbackStep
    }

    public static let standard = HandOffPolicy()

    /// The phrases passed as recognition hints: not those that begin with an article ("a
    /// person", "an agent"), which a recognizer made to choose hears in any "uh" and would
    /// put a hesitating callee through to a person.
    public var hintPhrases: [String] {
        phrases.filter { phrase in
            guard let first = PhraseMatcher.words(phrase).first else { return false }
            return !["a", "an", "the"].contains(first)
        }
    }

    private enum CodingKeys: String, CodingKey {
        case phrases, digit, line, unavailable, callbackStep
    }

    /// Missing fields keep the standard's.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let standard = HandOffPolicy.standard
        self.init(
            phrases: try container.decodeIfPresent([String].self, forKey: .phrases) ?? standard.phrases,
            digit: try container.decodeIfPresent(String.self, forKey: .digit) ?? standard.digit,
            line: try container.decodeIfPresent(String.self, forKey: .line) ?? standard.line,
            unavailable: try container.decodeIfPresent(String.self, forKey: .unavailable) ?? standard.unavailable,
            callbackStep: try container.decodeIfPresent(String.self, forKey: .callbackStep)
        )
    }
}

/// Whether the call can be handed to a person now (the campaign's transfer number and hours).
public enum HandOffAvailability: Sendable, Equatable {
    /// The campaign names no transfer number.
    case none
    /// Outside the campaign's transfer hours.
    case closed
    /// Someone is there: the call may be put through to `number`.
    case available(number: String)
}
