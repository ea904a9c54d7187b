import Foundation
import Hummingbird

/// How the console answers: HTML with headers that keep it out of frames, caches and other
/// origins' scripts, redirects after a POST, and form bodies read within a bound.
enum ConsoleResponses {
    /// A form body larger than this is refused (413) unread.
    static let maxFormBytes = 64 * 1024

    static func securityHeaders() -> HTTPFields {
        var headers = HTTPFields()
        headers[.contentSecurityPolicy] =
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
        headers[.xContentTypeOptions] = "nosniff"
        headers[.init("Referrer-Policy")!] = "no-referrer"
        headers[.init("X-Frame-Options")!] = "DENY"
        headers[.cacheControl] = "no-store"
        return headers
    }

    static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers = securityHeaders()
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// 303: the browser follows with a GET, so a reload never repeats the POST.
    static func redirect(_ location: String) -> Response {
        var headers = securityHeaders()
        headers[.location] = location
        return Response(status: .seeOther, headers: headers)
    }

    /// A page in the layout.
    static func page(title: String, session: ConsoleSession?, body: String, status: HTTPResponse.Status = .ok) -> Response {
        let layout = LayoutModel(
            title: title,
            session: session.map { LayoutModel.SignedIn(keyName: $0.keyName, csrf: $0.csrfToken) },
            body: body
        )
        return html(ConsoleTemplates.render(layout, "layout"), status: status)
    }

    /// A short message in the layout: a refusal, a conflict, something not found.
    static func message(
        _ status: HTTPResponse.Status,
        _ heading: String,
        _ text: String,
        session: ConsoleSession?,
        back: String = ConsolePaths.root
    )
        -> Response
    {
        page(
            title: heading,
            session: session,
            body: ConsoleTemplates.render(MessageModel(heading: heading, message: text, back: back), "message"),
            status: status
        )
    }

    /// An `application/x-www-form-urlencoded` body as a dictionary (the last value of a
    /// repeated field wins); nil when it is larger than ``maxFormBytes``.
    static func form(_ request: Request) async -> [String: String]? {
        guard let buffer = try? await request.body.collect(upTo: maxFormBytes) else { return nil }
        return parseForm(String(buffer: buffer))
    }

    static func parseForm(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String? { s.replacingOccurrences(of: "+", with: " ").removingPercentEncoding }
            guard let name = parts.first.flatMap(decode) else { continue }
            fields[name] = parts.count > 1 ? decode(parts[1]) ?? "" : ""
        }
        return fields
    }
}
