import Foundation
import HTTPTypes
import Logging
import OpenAPIRuntime
import PostgresNIO
import Store

/// A handler's failure that is not the client's doing (the database went away): 503, logged.
struct ServiceFailure: Error {
    let underlying: any Error
}

/// Runs a handler's body, so that only `APIProblem`s (the client's fault) leave it as they
/// are; anything else is the service's fault.
func serving<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let problem as APIProblem {
        throw problem
    } catch {
        throw ServiceFailure(underlying: error)
    }
}

/// Between the generated routing and the handlers: checks the key's scope for the operation,
/// and turns every error into a problem document. A request the generated code cannot decode
/// (a wrong type, an unknown field, a missing body) is 400 naming the field; a handler's
/// `APIProblem` is sent as it is; a `ServiceFailure` is 503. Nothing a client sends earns a 500.
struct APIErrorTranslation: ServerMiddleware {
    let scopes: OperationScopes
    let logger: Logger

    func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        metadata: ServerRequestMetadata,
        operationID: String,
        next: (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        guard let required = scopes.required(for: operationID) else {
            return Self.response(APIProblem(.forbidden, detail: "operation \(operationID) is not open to API keys"))
        }
        if let scope = required, APICaller.key?.allows(scope) != true {
            return Self.response(.forbidden(scope.rawValue))
        }
        do {
            return try await next(request, body, metadata)
        } catch {
            return Self.response(problem(for: error, operationID: operationID))
        }
    }

    func problem(for error: any Error, operationID: String) -> APIProblem {
        let underlying = (error as? ServerError)?.underlyingError ?? error
        switch underlying {
        case let problem as APIProblem:
            return problem
        case let failure as ServiceFailure where Self.isDataException(failure.underlying):
            // Class 22: Postgres cannot hold a value the client sent (a NUL character in a name,
            // a date out of range), which no retry will fix.
            return APIProblem(
                .badRequest,
                title: "Invalid request",
                detail: "a value in the request cannot be stored (a NUL character, or a number or date out of range)"
            )
        case let failure as ServiceFailure:
            // Postgres's own message, never the statement: its bound values may be phone numbers.
            let cause = PostgresFailure.serverError(in: failure.underlying)?.serverInfo.map { "\($0[.sqlState] ?? "") \($0[.message] ?? "")" }
            logger.error("\(operationID) failed: \(cause ?? "\(type(of: failure.underlying))")")
            return APIProblem(.serviceUnavailable, detail: "the dialer could not complete the request now; nothing was done, try again")
        case let decoding as DecodingError:
            let (field, detail) = Self.describe(decoding)
            return .invalid(field, detail)
        default:
            // The generated code refused the request before any handler ran: a missing or
            // unreadable body, a query parameter of the wrong type, a wrong content type.
            let cause = (error as? ServerError)?.causeDescription ?? "the request could not be read"
            return APIProblem(.badRequest, title: "Invalid request", detail: "\(cause): \(underlying)")
        }
    }

    static func isDataException(_ error: any Error) -> Bool {
        PostgresFailure.sqlState(of: error)?.hasPrefix("22") == true
    }

    /// The JSON Pointer of the field at fault, and what is wrong with it.
    static func describe(_ error: DecodingError) -> (field: String, detail: String) {
        func pointer(_ path: [any CodingKey]) -> String {
            "/" + path.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: "/")
        }
        switch error {
        case .keyNotFound(let key, let context):
            return (pointer(context.codingPath + [key]), "is required")
        case .typeMismatch(let type, let context):
            return (pointer(context.codingPath), "must be \(Self.jsonType(type))")
        case .valueNotFound(let type, let context):
            return (pointer(context.codingPath), "must be \(Self.jsonType(type)), not null")
        case .dataCorrupted(let context):
            return (pointer(context.codingPath), context.debugDescription)
        @unknown default:
            return ("/", "\(error)")
        }
    }

    static func jsonType(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type, is Int32.Type: "an integer"
        case is Double.Type, is Float.Type: "a number"
        case is Bool.Type: "true or false"
        default: "of type \(type)"
        }
    }

    static func response(_ problem: APIProblem) -> (HTTPResponse, HTTPBody?) {
        (problem.responseHead, HTTPBody(problem.body))
    }
}
