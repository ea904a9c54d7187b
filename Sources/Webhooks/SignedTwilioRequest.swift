import Foundation
import Hummingbird
import Logging
import NIOCore
import Twilio

/// A request from Twilio whose `X-Twilio-Signature` checked out, with its form parameters.
///
/// The signed URL is the configured public URL followed by the path and query the request
/// arrived with. A form body is signed with its parameters; a JSON body (its URL carries
/// `bodySHA256`) by URL alone plus the body's hash. Anything else, or a body over the limit,
/// is refused before a byte is written anywhere.
public struct SignedTwilioRequest: Sendable {
    public let url: String
    public let parameters: [(String, String)]

    /// Why a request was refused, as the HTTP answer it gets.
    public enum Refusal: Error, Equatable {
        /// No signature, or one that does not match: 403.
        case badSignature
        /// A body over the limit: 413.
        case tooLarge
    }

    /// The first value of a parameter.
    public func value(_ name: String) -> String? { parameters.first { $0.0 == name }?.1 }

    /// The CallSid, if it looks like one (``TwilioSID``). Anything else is a malformed
    /// request, even validly signed.
    public var callSID: String? {
        guard let sid = value("CallSid"), TwilioSID.isPlausible(sid) else { return nil }
        return sid
    }

    /// Reads and checks `request`; a refusal is logged (the path and why, nothing more) and,
    /// thrown out of a route, becomes its answer.
    public static func read(
        _ request: Request,
        configuration: TwilioWebhookConfiguration,
        logger: Logger
    ) async throws(Refusal) -> SignedTwilioRequest {
        do {
            return try await read(request, configuration: configuration)
        } catch {
            logger.warning("Twilio request refused", metadata: ["path": "\(request.uri.path)", "reason": "\(error)"])
            throw error
        }
    }

    static func read(_ request: Request, configuration: TwilioWebhookConfiguration) async throws(Refusal) -> SignedTwilioRequest {
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: configuration.bodyLimit)
        } catch {
            throw .tooLarge
        }
        guard let signature = request.headers.first(where: { $0.name.canonicalName == "x-twilio-signature" })?.value else {
            throw .badSignature
        }
        let url = configuration.publicURL + request.uri.description
        let text = String(buffer: body)
        let signer = configuration.signer
        if request.uri.queryParameters["bodySHA256"] != nil {
            guard signer.isValid(signature: signature, url: url, jsonBody: text) else { throw .badSignature }
            return SignedTwilioRequest(url: url, parameters: [])
        }
        let parameters = request.method == .post ? FormEncoding.decode(text) : []
        guard signer.isValid(signature: signature, url: url, parameters: parameters) else { throw .badSignature }
        return SignedTwilioRequest(url: url, parameters: parameters)
    }
}

extension SignedTwilioRequest.Refusal: HTTPResponseError {
    public var status: HTTPResponse.Status {
        switch self {
        case .badSignature: .forbidden
        case .tooLarge: .contentTooLarge
        }
    }

    /// The status and nothing that says more than the status does.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(status: status)
    }
}
