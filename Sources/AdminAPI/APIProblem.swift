import Foundation
import HTTPTypes

/// An RFC 9457 problem: what a handler or a middleware throws for a 4xx, written to the client
/// as `application/problem+json` naming the fields at fault (the spec's `Problem` schema).
public struct APIProblem: Error, Sendable, Equatable {
    public var status: HTTPResponse.Status
    public var title: String
    public var detail: String?
    /// JSON Pointers into the body (`/to`) or parameter names, each with what is wrong.
    public var errors: [FieldError]
    /// Extra headers (`WWW-Authenticate` on a 401).
    public var headers: HTTPFields

    /// One field at fault.
    public struct FieldError: Sendable, Equatable, Codable {
        public var field: String
        public var detail: String

        public init(field: String, detail: String) {
            self.field = field
            self.detail = detail
        }
    }

    public init(_ status: HTTPResponse.Status, title: String? = nil, detail: String? = nil, errors: [FieldError] = [], headers: HTTPFields = [:]) {
        self.status = status
        self.title = title ?? status.reasonPhrase
        self.detail = detail
        self.errors = errors
        self.headers = headers
    }

    /// 400 naming one field.
    public static func invalid(_ field: String, _ detail: String) -> APIProblem {
        APIProblem(.badRequest, title: "Invalid request", detail: "\(field): \(detail)", errors: [FieldError(field: field, detail: detail)])
    }

    public static func notFound(_ detail: String) -> APIProblem {
        APIProblem(.notFound, detail: detail)
    }

    public static func conflict(_ detail: String) -> APIProblem {
        APIProblem(.conflict, detail: detail)
    }

    static let unauthorized = APIProblem(
        .unauthorized,
        detail: "send an API key: Authorization: Bearer dk_… (dialer api-key create); this one is missing, unknown or revoked",
        headers: [.wwwAuthenticate: #"Bearer realm="dialer""#]
    )

    static func forbidden(_ scope: String) -> APIProblem {
        APIProblem(.forbidden, detail: "this key lacks the \(scope) scope this operation needs")
    }

    static let contentTooLarge = APIProblem(.contentTooLarge, detail: "request bodies are limited to 64 KiB")

    /// The problem as sent.
    var body: Data {
        struct Wire: Encodable {
            let type = "about:blank"
            let title: String
            let status: Int
            let detail: String?
            let errors: [FieldError]?
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let wire = Wire(title: title, status: status.code, detail: detail, errors: errors.isEmpty ? nil : errors)
        return (try? encoder.encode(wire)) ?? Data(#"{"status":\#(status.code),"title":"error","type":"about:blank"}"#.utf8)
    }

    /// The head of the response carrying it.
    var responseHead: HTTPResponse {
        var fields = headers
        fields[.contentType] = "application/problem+json"
        return HTTPResponse(status: status, headerFields: fields)
    }
}
