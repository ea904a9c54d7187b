import Foundation

/// A JSON POST to a Google Cloud API with the service account's token; what the speech
/// adapters share.
struct GoogleCloudAPI: Sendable {
    let tokens: GoogleAccessTokens
    let exchange: JSONExchange
    let timeout: Duration

    private struct ErrorBody: Decodable {
        struct Detail: Decodable {
            var message: String?
            var status: String?
        }
        var error: Detail?
    }

    /// POSTs `request` to `url` as JSON and decodes the answer. A 401 (the token was revoked
    /// or expired early) mints a new token and tries once more.
    func post<Answer: Decodable>(_ service: String, url: String, _ request: some Encodable, as: Answer.Type) async throws -> Answer {
        let body = try JSONEncoder().encode(request)
        var retried = false
        while true {
            let token = try await tokens.token()
            let answer = try await exchange.post(url, body: body, headers: [("Authorization", "Bearer \(token)")], timeout: timeout)
            if answer.status == 401 && !retried {
                retried = true
                await tokens.invalidate(token)
                continue
            }
            guard (200..<300).contains(answer.status) else {
                let detail = try? JSONDecoder().decode(ErrorBody.self, from: answer.body).error
                let message = [detail?.status, detail?.message].compactMap { $0 }.joined(separator: ": ")
                throw GoogleCloudError.http(
                    service: service,
                    status: answer.status,
                    message: message.isEmpty ? String(decoding: answer.body.prefix(300), as: UTF8.self) : message
                )
            }
            do {
                return try JSONDecoder().decode(Answer.self, from: answer.body)
            } catch {
                throw GoogleCloudError.unexpectedAnswer(service: service, "\(error)")
            }
        }
    }
}

/// Where the Google adapters send their requests. Production uses Google's hosts; tests
/// point every field at a loopback server.
public struct GoogleCloudEndpoints: Sendable, Equatable {
    /// Speech-to-Text, without the version: `https://speech.googleapis.com`.
    public var speech: String
    /// Text-to-Speech, without the version: `https://texttospeech.googleapis.com`.
    public var textToSpeech: String

    public init(speech: String = "https://speech.googleapis.com", textToSpeech: String = "https://texttospeech.googleapis.com") {
        self.speech = Self.trimmed(speech)
        self.textToSpeech = Self.trimmed(textToSpeech)
    }

    public static let google = GoogleCloudEndpoints()

    private static func trimmed(_ url: String) -> String {
        var url = url
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }
}
