/// What went wrong talking to Salesforce, in Salesforce's own terms.
public enum SalesforceError: Error, Equatable, CustomStringConvertible {
    /// The token endpoint refused the assertion (`invalid_grant`, `invalid_client_id`, …).
    case authentication(error: String, description: String)
    /// 403 `REQUEST_LIMIT_EXCEEDED`: the org's API limit is spent; back off, do not hammer.
    case requestLimitExceeded(message: String)
    /// Any other error answer: HTTP status, Salesforce's errorCode and message.
    case api(status: Int, errorCode: String, message: String, fields: [String])
    /// Still failing after the bounded retries: the last transient failure.
    case unavailable(String)
    /// An answer that is not what Salesforce's API documents.
    case unexpectedResponse(status: Int, String)

    public var description: String {
        switch self {
        case let .authentication(error, description): "Salesforce refused the login: \(error): \(description)"
        case .requestLimitExceeded(let message): "REQUEST_LIMIT_EXCEEDED: \(message)"
        case let .api(status, code, message, fields):
            "\(code): \(message)\(fields.isEmpty ? "" : " (fields: \(fields.joined(separator: ", ")))") [HTTP \(status)]"
        case .unavailable(let reason): "Salesforce unavailable after retries: \(reason)"
        case let .unexpectedResponse(status, detail): "unexpected answer from Salesforce [HTTP \(status)]: \(detail)"
        }
    }

    /// Salesforce's errorCode, when it gave one.
    public var errorCode: String? {
        switch self {
        case .api(_, let code, _, _): code
        case .requestLimitExceeded: "REQUEST_LIMIT_EXCEEDED"
        case .authentication(let error, _): error
        default: nil
        }
    }
}

/// Salesforce's REST error body element: `[{"message": …, "errorCode": …, "fields": […]}]`.
struct SalesforceAPIError: Codable, Equatable {
    var message: String
    var errorCode: String
    var fields: [String]?
}

/// The token endpoint's error body: `{"error": "invalid_grant", "error_description": …}`.
struct OAuthError: Codable {
    var error: String
    var error_description: String?
}
