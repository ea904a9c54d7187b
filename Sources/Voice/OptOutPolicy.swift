/// How every agent recognizes a spoken opt-out: the same phrases, the same confidence rule,
/// the same confirmation, whether the rest of the conversation is scripted or a model's.
/// An opt-out is decided here, locally, and never depends on a language model.
///
/// The two possible mistakes cost very differently. Ignoring a real "stop calling me" breaks
/// the law (the number must go on the do-not-call list) and angers the callee; honouring one
/// that was never said loses one contact. So:
///
/// - a match at or above ``minimumConfidence`` is honoured at once;
/// - a match below it (the embedded recognizer forces any speech onto a hinted phrase, so a
///   mumble can come out as "stop calling me" with a low score) is neither ignored nor
///   honoured blindly: the agent asks ``check`` ("do you want us to stop calling you?");
/// - after that question, only a confident "no" (one of ``noPhrases``, at or above
///   ``minimumConfidence``, with no opt-out or "yes" phrase beside it) keeps the call going;
///   silence, a mumble or anything else is taken as the opt-out.
public struct OptOutPolicy: Sendable, Equatable, Codable {
    /// What opts out, matched by ``PhraseMatcher``. Always includes ``defaultPhrases``: a
    /// script can add phrases (another language, its own wording) but not remove these.
    public var phrases: [String]
    /// The opt-out phrases passed as recognition hints: ``defaultHintPhrases`` and the
    /// phrases a script adds. Fewer than ``phrases`` because the embedded recognizer hears
    /// only hinted phrases and forces other speech onto them, and short phrases made of
    /// common words attract it: with every phrase hinted, espeak-ng callees saying "what"
    /// and "who is this" came out as "no opt out" and "no remove me" at confidence 0.94 and
    /// more. What is not hinted is still matched in any transcription.
    public var hintPhrases: [String]
    /// Spoken when the opt-out is honoured, before hanging up.
    public var confirmation: String
    /// Asked when an opt-out was heard but not confidently.
    public var check: String
    /// Spoken when the callee answers ``check`` with a confident "no", before the agent
    /// repeats its last question.
    public var resume: String
    /// Affirmative answers to ``check`` (also hints, so the embedded recognizer hears them).
    public var yesPhrases: [String]
    /// Negative answers to ``check``: the only answers that keep the call going.
    public var noPhrases: [String]
    /// The confidence from which a heard opt-out, or a "no" to ``check``, is believed.
    public var minimumConfidence: Double
    /// The telephone key that opts out as surely as the words do (`0`–`9`, `*`, `#`); nil
    /// when the script turns keys off. Default `9`.
    public var digit: String?

    /// The phrases every agent honours, whatever its script says.
    public static let defaultPhrases = [
        "stop calling me", "stop calling", "do not call", "don't call", "remove me",
        "unsubscribe", "take me off your list", "take me off", "opt out", "no more calls",
    ]
    /// The distinctive ones, hinted to recognizers; "stop calling me" is what the default
    /// offers tell the callee to say.
    public static let defaultHintPhrases = ["stop calling me", "do not call", "take me off your list", "unsubscribe"]
    /// The ``AgentReply/intent`` of an honoured opt-out, for the transcript.
    public static let intent = "opt-out"

    /// A policy with the default phrases plus `phrases`, which are hinted too unless
    /// `hintPhrases` says otherwise.
    public init(
        phrases: [String] = [],
        hintPhrases: [String]? = nil,
        confirmation: String = "Understood. You will not be called again. Goodbye.",
        check: String = "Just to be sure: do you want us to stop calling you?",
        resume: String = "Thank you.",
        yesPhrases: [String] = ["yes", "yeah", "yep", "please", "correct", "that's right", "sure"],
        noPhrases: [String] = ["no", "nope", "not at all"],
        minimumConfidence: Double = 0.5,
        digit: String? = "9"
    ) {
        let added = phrases.filter { !PhraseMatcher(Self.defaultPhrases).phrases.contains($0) }
        let hinted = PhraseMatcher(hintPhrases ?? (Self.defaultHintPhrases + added)).phrases
        // A hinted phrase is heard, so it must count as an opt-out too.
        self.phrases = PhraseMatcher(Self.defaultPhrases + phrases + hinted).phrases
        self.hintPhrases = hinted
        self.confirmation = confirmation
        self.check = check
        self.resume = resume
        self.yesPhrases = yesPhrases
        self.noPhrases = noPhrases
        self.minimumConfidence = minimumConfidence
        self.digit = digit
    }

    /// The defaults.
    public static let standard = OptOutPolicy()

    /// What a turn means for opting out.
    public enum Verdict: Sendable, Equatable {
        /// Honour it: the reply is ``optOutReply``.
        case optOut
        /// An opt-out phrase, heard with low confidence: ask ``check``.
        case unsure
        /// No opt-out phrase: the agent's usual logic decides.
        case none
    }

    /// Judges an ordinary turn.
    public func verdict(on callee: Transcription?) -> Verdict {
        guard let callee, PhraseMatcher(phrases).matches(callee.text) else { return .none }
        return callee.confidence >= minimumConfidence ? .optOut : .unsure
    }

    /// Judges the answer to ``check``: `true` means opt out (see the type's description).
    public func answerToCheckOptsOut(_ callee: Transcription?) -> Bool {
        guard let callee else { return true }
        let words = PhraseMatcher.words(callee.text)
        if PhraseMatcher(phrases).longestMatch(inWords: words) != nil { return true }
        if PhraseMatcher(yesPhrases).longestMatch(inWords: words) != nil { return true }
        let saidNo = PhraseMatcher(noPhrases).longestMatch(inWords: words) != nil
        return !(saidNo && callee.confidence >= minimumConfidence)
    }

    /// The reply that honours an opt-out: the confirmation, then hang up.
    public var optOutReply: AgentReply {
        AgentReply(text: confirmation, optOut: true, hangUp: true, intent: Self.intent)
    }

    /// What a telephone keypad sends.
    static let telephoneKeys: Set<String> = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "#"]

    /// A key the callee pressed: the opt-out reply when it is ``digit``, nil otherwise. A
    /// key is never unsure, so it is honoured without ``check``.
    public func reply(toDigit pressed: String) -> AgentReply? {
        guard let digit, pressed == digit else { return nil }
        return optOutReply
    }

    /// The reply asking whether the callee meant to opt out.
    public var checkReply: AgentReply {
        AgentReply(text: check)
    }

    /// What the callee may say while ``check`` is pending.
    public var checkHints: [String] {
        PhraseMatcher(yesPhrases + noPhrases + hintPhrases).phrases
    }

    private enum CodingKeys: String, CodingKey {
        case phrases, hintPhrases, confirmation, check, resume, yesPhrases, noPhrases, minimumConfidence, digit
    }

    /// Every field is optional in a script; a missing one takes its default.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let standard = OptOutPolicy()
        self.init(
            phrases: try container.decodeIfPresent([String].self, forKey: .phrases) ?? [],
            hintPhrases: try container.decodeIfPresent([String].self, forKey: .hintPhrases),
            confirmation: try container.decodeIfPresent(String.self, forKey: .confirmation) ?? standard.confirmation,
            check: try container.decodeIfPresent(String.self, forKey: .check) ?? standard.check,
            resume: try container.decodeIfPresent(String.self, forKey: .resume) ?? standard.resume,
            yesPhrases: try container.decodeIfPresent([String].self, forKey: .yesPhrases) ?? standard.yesPhrases,
            noPhrases: try container.decodeIfPresent([String].self, forKey: .noPhrases) ?? standard.noPhrases,
            minimumConfidence: try container.decodeIfPresent(Double.self, forKey: .minimumConfidence) ?? standard.minimumConfidence,
            // `"digit": null` turns keys off; no `digit` at all keeps the default.
            digit: container.contains(.digit) ? try container.decodeIfPresent(String.self, forKey: .digit) : standard.digit
        )
    }
}
