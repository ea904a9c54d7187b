import AsyncHTTPClient
import Foundation
import Logging

/// An ``Agent`` backed by an OpenAI-compatible chat-completions model.
///
/// What must not depend on the model does not: the opening (disclosure and opt-out offer)
/// is fixed text, and opt-outs are found locally by ``OptOutPolicy`` before anything is sent,
/// so an opt-out is honoured even when the model is down. The model can end the call too,
/// by ending its reply with ``OpenAIChatConfiguration/endCallMarker`` (or
/// ``OpenAIChatConfiguration/optOutMarker`` for an opt-out worded in a way the phrases
/// missed); markers are stripped before the text is spoken. A callee who picks a time to be
/// called back gets ``OpenAIChatConfiguration/callbackMarker`` with their words for it: the
/// dialer fits it into the calling hours and says the window. A failed completion (timeout,
/// HTTP error) is logged and answered with ``OpenAIChatConfiguration/failureReply``, which
/// hangs up: the call never waits on a broken model, and nothing is thrown into it.
public struct OpenAIChatAgent: Agent {
    public let configuration: OpenAIChatConfiguration
    private let api: OpenAIChatAPI
    private let logger: Logger

    public init(configuration: OpenAIChatConfiguration, http: HTTPClient, logger: Logger) {
        self.configuration = configuration
        self.api = OpenAIChatAPI(configuration: configuration, exchange: JSONExchange(http: http))
        self.logger = logger
    }

    public func startConversation(_ call: AgentCallContext) async throws -> any AgentConversation {
        var logger = logger
        logger[metadataKey: "call_sid"] = "\(call.callSID)"
        return OpenAIChatConversation(configuration: configuration, api: api, call: call, logger: logger)
    }
}

/// One call's chat history.
actor OpenAIChatConversation: AgentConversation {
    private let configuration: OpenAIChatConfiguration
    private let api: OpenAIChatAPI
    private let call: AgentCallContext
    private let logger: Logger
    /// The system prompt first, then the agent's and the callee's turns as they happened.
    private(set) var messages: [ChatMessage]
    private var lastSpoken = ""
    private var fallbacks = 0
    private var state = State.talking

    private enum State {
        case talking
        /// An opt-out was heard with low confidence; the check question is pending.
        case checkingOptOut
        case ended
    }

    init(configuration: OpenAIChatConfiguration, api: OpenAIChatAPI, call: AgentCallContext, logger: Logger) {
        self.configuration = configuration
        self.api = api
        self.call = call
        self.logger = logger
        self.messages = [.system(configuration.systemPrompt)]
    }

    func opening() -> AgentReply {
        let text = configuration.opening(firstName: call.firstName)
        messages.append(.assistant(text))
        lastSpoken = text
        return AgentReply(text: text)
    }

    /// The opt-out key is decided here, like a spoken opt-out, never by the model.
    func reply(toDigit digit: String) -> AgentReply? {
        guard let reply = configuration.optOut.reply(toDigit: digit) else { return nil }
        return end(reply)
    }

    func reply(to callee: Transcription?) async -> AgentReply {
        let optOut = configuration.optOut
        switch state {
        case .ended:
            return AgentReply(text: "", hangUp: true)
        case .checkingOptOut:
            if optOut.answerToCheckOptsOut(callee) { return end(optOut.optOutReply) }
            state = .talking
            // The check is between the agent and the callee; the model resumes where it was.
            return AgentReply(text: AgentScript.sentences(optOut.resume, lastSpoken))
        case .talking:
            break
        }
        switch optOut.verdict(on: callee) {
        case .optOut:
            return end(optOut.optOutReply)
        case .unsure:
            state = .checkingOptOut
            return optOut.checkReply
        case .none:
            break
        }
        guard let callee, callee.confidence >= configuration.minimumConfidence,
            !callee.text.allSatisfy(\.isWhitespace)
        else {
            return notUnderstood()
        }
        fallbacks = 0
        messages.append(.user(callee.text))
        trimHistory()
        let content: String
        do {
            content = try await api.complete(messages)
        } catch {
            logger.error(
                "chat completion failed; ending the call with the failure reply",
                metadata: [
                    "model": "\(configuration.model)", "base_url": "\(configuration.baseURL)",
                    "error": "\(configuration.redacted(String(describing: error)))",
                ]
            )
            return end(AgentReply(text: configuration.failureReply, hangUp: true))
        }
        return answer(content)
    }

    func recognitionHints() -> RecognitionHints {
        switch state {
        case .checkingOptOut:
            RecognitionHints(phrases: configuration.optOut.checkHints)
        case .talking, .ended:
            configuration.hintOptOutPhrases ? RecognitionHints(phrases: configuration.optOut.phrases) : .none
        }
    }

    /// The configured closing, without asking the model: the call is being ended for the
    /// service's sake, and a goodbye must not wait on (or fail with) a model request.
    func closing() -> AgentReply {
        messages.append(.assistant(configuration.closing))
        return end(AgentReply(text: configuration.closing, hangUp: true))
    }

    /// The model's message as a reply: markers found and stripped, the rest spoken.
    private func answer(_ content: String) -> AgentReply {
        var text = content
        let callback = Self.removeCallback(from: &text)
        let optedOut = Self.remove(OpenAIChatConfiguration.optOutMarker, from: &text)
        let endsCall = Self.remove(OpenAIChatConfiguration.endCallMarker, from: &text) || optedOut
        text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty {
            guard endsCall else {
                logger.error("chat completion was empty; ending the call with the failure reply", metadata: ["model": "\(configuration.model)"])
                return end(AgentReply(text: configuration.failureReply, hangUp: true))
            }
            text = optedOut ? configuration.optOut.confirmation : configuration.closing
        }
        var window: CallbackWindow?
        if let callback, !optedOut {
            // The dialer says the time it scheduled, not the model: the hours may move it.
            window = call.callbackHours?.window(for: callback, now: Date())
            text = AgentScript.sentences(text, configuration.callback.line(for: window))
        }
        messages.append(.assistant(text))
        lastSpoken = text
        var reply = AgentReply(
            text: text,
            optOut: optedOut,
            hangUp: endsCall,
            intent: optedOut ? OptOutPolicy.intent : callback == nil ? nil : AgentReply.callbackIntent
        )
        reply.callback = window
        return endsCall ? end(reply) : reply
    }

    /// Removes every `[CALLBACK: …]`; the time the last one names, if any.
    private static func removeCallback(from text: inout String) -> CallbackRequest? {
        var request: CallbackRequest?
        while let start = text.range(of: OpenAIChatConfiguration.callbackMarker, options: .caseInsensitive) {
            let end = text[start.upperBound...].firstIndex(of: "]").map { text.index(after: $0) } ?? text.endIndex
            let words = text[start.upperBound..<end].dropLast(text[..<end].hasSuffix("]") ? 1 : 0)
            request = CallbackRequest(String(words)) ?? request
            text.removeSubrange(start.lowerBound..<end)
        }
        return request
    }

    private func notUnderstood() -> AgentReply {
        fallbacks += 1
        guard fallbacks <= configuration.maxFallbacks else {
            return end(AgentReply(text: configuration.giveUp, hangUp: true))
        }
        return AgentReply(text: configuration.notUnderstood)
    }

    /// Keeps the system prompt and the latest messages.
    private func trimHistory() {
        let excess = messages.count - 1 - configuration.maxHistoryMessages
        if excess > 0 { messages.removeSubrange(1...excess) }
    }

    private func end(_ reply: AgentReply) -> AgentReply {
        state = .ended
        return reply
    }

    /// Removes every occurrence of `marker` (any case); whether there was one.
    private static func remove(_ marker: String, from text: inout String) -> Bool {
        var found = false
        while let range = text.range(of: marker, options: .caseInsensitive) {
            text.removeSubrange(range)
            found = true
        }
        return found
    }
}
