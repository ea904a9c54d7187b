import Foundation

/// Why a Media Streams message could not be decoded. Fields are named by their JSON path,
/// e.g. `media.payload`, so a log line says exactly what Twilio (or a test) sent wrong.
public enum MediaStreamCodecError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Not JSON at all (empty, truncated, binary); the detail is the parser's message.
    case invalidJSON(String)
    /// Valid JSON, but not an object.
    case notAnObject
    case missingField(String)
    /// `expected` is a phrase such as "an object", ready for the message.
    case wrongType(field: String, expected: String)
    /// A counter that should be a string of digits (Twilio sends `"42"`), but was not.
    case invalidNumber(field: String, value: String)
    case outOfRange(field: String, value: Int)
    case invalidBase64(field: String)
    /// Only for ``MediaStreamCommand``: the server side has no reason to accept events
    /// Twilio does not document, so there this is an error rather than a skip.
    case unknownEvent(String)

    public var description: String {
        switch self {
        case let .invalidJSON(detail): "Media Streams message is not valid JSON: \(detail)"
        case .notAnObject: "Media Streams message is not a JSON object"
        case let .missingField(field): "Media Streams message lacks required field '\(field)'"
        case let .wrongType(field, expected): "Media Streams field '\(field)' must be \(expected)"
        case let .invalidNumber(field, value): "Media Streams field '\(field)' is not an integer: \"\(value)\""
        case let .outOfRange(field, value): "Media Streams field '\(field)' is out of range: \(value)"
        case let .invalidBase64(field): "Media Streams field '\(field)' is not valid base64"
        case let .unknownEvent(event): "Media Streams command has unknown event '\(event)'"
        }
    }

    /// Runs a decode and turns Foundation's `DecodingError` into one of ours.
    static func mapping<T>(_ body: () throws -> T) throws(MediaStreamCodecError) -> T {
        do {
            return try body()
        } catch let error as MediaStreamCodecError {
            throw error
        } catch let DecodingError.keyNotFound(key, context) {
            throw .missingField(StreamJSONKey.path(context.codingPath + [key]))
        } catch let DecodingError.valueNotFound(_, context) {
            // An explicit null is as good as absent for every field here.
            throw .missingField(StreamJSONKey.path(context.codingPath))
        } catch let DecodingError.typeMismatch(type, context) {
            if context.codingPath.isEmpty { throw .notAnObject }
            throw .wrongType(field: StreamJSONKey.path(context.codingPath), expected: jsonTypeName(type))
        } catch let DecodingError.dataCorrupted(context) {
            if context.codingPath.isEmpty {
                let underlying = context.underlyingError.map { " (\($0))" } ?? ""
                throw .invalidJSON(context.debugDescription + underlying)
            }
            throw .wrongType(field: StreamJSONKey.path(context.codingPath), expected: "a valid value")
        } catch {
            throw .invalidJSON(String(describing: error))
        }
    }

    private static func jsonTypeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type: "an integer"
        case is [String: Any].Type, is [String: String].Type: "an object"
        case is [Any].Type, is [String].Type: "an array"
        default: "\(type)"
        }
    }
}
