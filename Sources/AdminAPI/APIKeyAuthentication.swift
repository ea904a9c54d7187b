import Hummingbird
import Store

/// The key behind the request being served, for the handlers and the scope check.
enum APICaller {
    @TaskLocal static var key: APIKey?
}

/// Checks `Authorization: Bearer dk_…` on every API route but the document itself: no key, an
/// unknown one or a revoked one is 401 before anything else runs (a key revoked elsewhere within
/// the cache's second). The key is never logged.
struct APIKeyAuthentication<Context: RequestContext>: RouterMiddleware {
    let keys: APIKeyStore
    let cache: APIKeyCache
    /// Paths served without a key.
    let publicPaths: Set<String>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if publicPaths.contains(request.uri.path) { return try await next(request, context) }
        guard let header = request.headers[.authorization], header.count > 7, header.prefix(7).lowercased() == "bearer ",
            let key = try await cache.authenticate(String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces), with: keys)
        else {
            return Response(problem: .unauthorized)
        }
        return try await APICaller.$key.withValue(key) { try await next(request, context) }
    }
}

/// Reads at most 64 KiB of a request body; more is 413 before any handler sees it.
struct RequestBodyLimit<Context: RequestContext>: RouterMiddleware {
    static var maxBytes: Int { 64 * 1024 }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > Self.maxBytes {
            return Response(problem: .contentTooLarge)
        }
        var request = request
        do {
            _ = try await request.collectBody(upTo: Self.maxBytes)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            return Response(problem: .contentTooLarge)
        }
        return try await next(request, context)
    }
}

extension Response {
    init(problem: APIProblem) {
        let body = problem.body
        var headers = HTTPFields()
        headers.append(contentsOf: problem.responseHead.headerFields)
        headers[.contentLength] = "\(body.count)"
        self.init(status: problem.status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
