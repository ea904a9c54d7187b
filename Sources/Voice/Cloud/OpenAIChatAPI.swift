import Foundation

/// One message of a chat-completions history.
public struct ChatMessage: Sendable, Equatable, Codable {
    /// `system`, `assistant` (the agent) or `user` (the callee).
    public var role: String
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }

    public static func system(_ content: String) -> ChatMessage { ChatMessage(role: "system", content: content) }
    public static func assistant(_ content: String) -> ChatMessage { ChatMessage(role: "assistant", content: content) }
    public static func user(_ content: String) -> ChatMessage { ChatMessage(role: "user", content: content) }
}

/// Why a completion could not be had; the agent turns every one into its failure reply.
public enum OpenAIChatError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A non-2xx answer, with the server's error message when it gave one.
    case http(status: Int, message: String)
    /// A 2xx answer that is not a chat completion, or one without text.
    case unexpectedAnswer(String)

    public var description: String {
        switch self {
        case let .http(status, message): "chat completion failed [HTTP \(status)]: \(message)"
        case .unexpectedAnswer(let detail): "chat completion unreadable: \(detail)"
        }
    }
}

/// `POST {base}/chat/completions`, the subset every OpenAI-compatible server takes.
struct OpenAIChatAPI: Sendable {
    let configuration: OpenAIChatConfiguration
    let exchange: JSONExchange

    private struct Request: Encodable {
        var model: String
        var messages: [ChatMessage]
        var max_tokens: Int?
        var temperature: Double?
    }

    private struct Completion: Decodable {
        struct Choice: Decodable {
            struct Message: Decodable {
                var content: String?
            }
            var message: Message
        }
        var choices: [Choice]
    }

    private struct ErrorBody: Decodable {
        struct Detail: Decodable {
            var message: String?
        }
        var error: Detail?
    }

    /// The model's next message after `messages`.
    func complete(_ messages: [ChatMessage]) async throws -> String {
        let body = try JSONEncoder().encode(
            Request(
                model: configuration.model,
                messages: messages,
                max_tokens: configuration.maxTokens,
                temperature: configuration.temperature
            )
        )
        var headers: [(String, String)] = []
        if let apiKey = configuration.apiKey {
            headers.append(("Authorization", "Bearer \(apiKey)"))
        }
        let answer = try await exchange.post(configuration.chatCompletionsURL, body: body, headers: headers, timeout: configuration.timeout)
        guard (200..<300).contains(answer.status) else {
            let detail =
                (try? JSONDecoder().decode(ErrorBody.self, from: answer.body))?.error?.message
                ?? String(decoding: answer.body.prefix(300), as: UTF8.self)
            throw OpenAIChatError.http(status: answer.status, message: configuration.redacted(detail))
        }
        let completion: Completion
        do {
            completion = try JSONDecoder().decode(Completion.self, from: answer.body)
        } catch {
            throw OpenAIChatError.unexpectedAnswer("not a chat completion")
        }
        guard let content = completion.choices.first?.message.content else {
            throw OpenAIChatError.unexpectedAnswer("no message content")
        }
        return content
    }
}
