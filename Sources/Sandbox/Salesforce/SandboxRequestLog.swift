import Hummingbird

/// Records every request the Sandbox Salesforce receives, with the status it answered.
struct SandboxRequestLog: RouterMiddleware {
    typealias Context = BasicRequestContext
    let sandbox: SandboxSalesforce

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var request = request
        let body = try await request.collectBody(upTo: 16 << 20)
        let status: Int
        let response: Response
        do {
            response = try await next(request, context)
            status = Int(response.status.code)
        } catch let error as HTTPError {
            record(request, body: body, status: Int(error.status.code))
            throw error
        }
        record(request, body: body, status: status)
        return response
    }

    func record(_ request: Request, body: ByteBuffer, status: Int) {
        let entry = SandboxSalesforce.LoggedRequest(
            method: request.method.rawValue,
            path: request.uri.path,
            query: request.uri.query.map { String($0) },
            body: String(buffer: body),
            status: status
        )
        sandbox.state.withLock { $0.log.append(entry) }
    }
}
