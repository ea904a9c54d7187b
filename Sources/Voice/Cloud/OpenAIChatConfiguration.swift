import Foundation

/// How ``OpenAIChatAgent`` reaches an OpenAI-compatible chat-completions server (OpenAI
/// itself, or vLLM, llama.cpp's server, Ollama, … on their `/v1` base) and what it tells the
/// model.
///
/// The opening is fixed text, not the model's: the disclosure and the opt-out offer are said
/// word for word on every call, and the first words come without a round trip.
public struct OpenAIChatConfiguration: Sendable, Equatable {
    /// The API base, e.g. `https://api.openai.com/v1` or `http://127.0.0.1:8000/v1`;
    /// requests go to `{baseURL}/chat/completions`.
    public var baseURL: String
    public var model: String
    /// Sent as `Authorization: Bearer …` when set; local servers usually need none. Never
    /// logged, and redacted from this value's descriptions.
    public var apiKey: String?
    /// One completion's time limit; past it the call gets ``failureReply``.
    public var timeout: Duration
    /// The model's instructions. The default asks for short spoken replies, never to claim
    /// to be human, and for the end-of-call markers.
    public var systemPrompt: String
    /// The agent's first words, when the callee's first name is unknown.
    public var opening: String
    /// The first words when it is known: `{firstName}` is replaced by it.
    public var openingWithName: String?
    /// Sent as `max_tokens` when set (a reply is a sentence or two).
    public var maxTokens: Int?
    /// Sent as `temperature` when set; some models accept only their default.
    public var temperature: Double?
    /// The chat history sent with each turn keeps the system prompt and this many of the
    /// latest messages, so a long call cannot outgrow the model's context.
    public var maxHistoryMessages: Int
    /// Transcriptions below this confidence are not sent to the model: the callee is asked
    /// to repeat, as with nothing recognized.
    public var minimumConfidence: Double
    /// Said when nothing usable was heard; after ``maxFallbacks`` in a row, ``giveUp`` ends the call.
    public var notUnderstood: String
    public var maxFallbacks: Int
    public var giveUp: String
    /// Said when the model fails (timeout, HTTP error, an unreadable answer): the call ends
    /// politely instead of hanging in silence.
    public var failureReply: String
    /// Said when the model ends the call with a marker and nothing else.
    public var closing: String
    /// Whether each turn's hints carry the opt-out phrases. Right for a cloud recognizer,
    /// which only boosts them; wrong for the embedded one, which would hear nothing else.
    public var hintOptOutPhrases: Bool
    /// The opt-out phrases, confidence rule and lines, decided locally (see ``OptOutPolicy``).
    public var optOut: OptOutPolicy
    /// What is said after a reply with ``callbackMarker``: the window scheduled, or that
    /// none could be.
    public var callback = CallbackAnswer()

    /// Ends a model reply that closes the call (a goodbye).
    public static let endCallMarker = "[END_CALL]"
    /// Ends a model reply to an opt-out the local phrases missed: honoured like any opt-out.
    public static let optOutMarker = "[OPT_OUT]"
    /// `[CALLBACK: tomorrow afternoon]` ends a model reply to a callee who picked a time to be
    /// called back: the dialer fits the words into the calling hours (``CallbackHours``),
    /// schedules the call and says ``callback``'s line with the window.
    public static let callbackMarker = "[CALLBACK:"

    public static let defaultSystemPrompt = """
        You are an automated assistant on an outbound phone call. Your voice is artificial and \
        the callee has already been told so; never claim or imply that you are human, and if \
        asked, say that you are an automated assistant. Your words are spoken by a speech \
        synthesizer: answer in one or two short, plain sentences, with no lists, markdown, \
        emoji or stage directions. If the callee asks not to be called again, or to be removed \
        from the list, confirm briefly and end your reply with \(optOutMarker). When the \
        conversation is over (the callee says goodbye, is not interested, or wants to hang up), \
        say a short goodbye and end your reply with \(endCallMarker). If the callee asks to be \
        called back and names a day or a time, do not promise a time yourself: end your reply \
        with \(callbackMarker) followed by their words for it and a closing bracket, e.g. \
        \(callbackMarker) tomorrow afternoon], and the dialer will confirm the time it scheduled.
        """

    public static let defaultOpening = """
        Hello, I am an automated assistant, and this is an artificial voice. If you would rather \
        not get these calls, say stop calling me at any time. Do you have a moment to talk?
        """

    public init(
        baseURL: String = "https://api.openai.com/v1",
        model: String,
        apiKey: String? = nil,
        timeout: Duration = .seconds(10),
        systemPrompt: String = Self.defaultSystemPrompt,
        opening: String = Self.defaultOpening,
        openingWithName: String? = nil,
        maxTokens: Int? = nil,
        temperature: Double? = nil,
        maxHistoryMessages: Int = 40,
        minimumConfidence: Double = 0.5,
        notUnderstood: String = "Sorry, I did not catch that. Could you say it again?",
        maxFallbacks: Int = 2,
        giveUp: String = "I am sorry, I still could not understand. Goodbye.",
        failureReply: String = "I am sorry, I am having trouble on my end. We will call you back another time. Goodbye.",
        closing: String = "Goodbye.",
        hintOptOutPhrases: Bool = false,
        optOut: OptOutPolicy = .standard
    ) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.model = model
        self.apiKey = apiKey.flatMap { $0.isEmpty ? nil : $0 }
        self.timeout = timeout
        self.systemPrompt = systemPrompt
        self.opening = opening
        self.openingWithName = openingWithName
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.maxHistoryMessages = max(2, maxHistoryMessages)
        self.minimumConfidence = minimumConfidence
        self.notUnderstood = notUnderstood
        self.maxFallbacks = maxFallbacks
        self.giveUp = giveUp
        self.failureReply = failureReply
        self.closing = closing
        self.hintOptOutPhrases = hintOptOutPhrases
        self.optOut = optOut
    }

    /// `{baseURL}/chat/completions`
    public var chatCompletionsURL: String { baseURL + "/chat/completions" }

    /// The opening line for a callee with `firstName` (or none).
    public func opening(firstName: String?) -> String {
        let name = firstName?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard let openingWithName, !name.isEmpty else { return opening }
        return openingWithName.replacingOccurrences(of: "{firstName}", with: name)
    }

    /// `text` with the API key, if it occurs, replaced: for anything that may be logged.
    func redacted(_ text: String) -> String {
        guard let apiKey, !apiKey.isEmpty else { return text }
        return text.replacingOccurrences(of: apiKey, with: "[redacted]")
    }
}

extension OpenAIChatConfiguration: CustomStringConvertible, CustomReflectable {
    public var description: String {
        "OpenAIChatConfiguration(baseURL: \(baseURL), model: \(model), apiKey: \(apiKey == nil ? "none" : "[redacted]"), timeout: \(timeout))"
    }

    /// What `dump` and the debugger show: the key's presence, not the key.
    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "baseURL": baseURL, "model": model, "apiKey": apiKey == nil ? "none" : "[redacted]", "timeout": timeout,
            ]
        )
    }
}
