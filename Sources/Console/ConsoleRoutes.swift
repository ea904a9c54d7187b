import Foundation
import Hummingbird
import Logging
import PostgresNIO
import Store

/// The operator's console, mounted under `/console` on the admin listener of `dialer serve`.
///
/// A person signs in with an API key (read scope at least) and gets a session cookie (HttpOnly,
/// SameSite=Strict, Path=/console, Secure over https). Pages show campaigns with their
/// progress, one campaign's calls, one call's transcript and the failed Task syncs; each page's
/// live region is kept current by a Server-Sent Events stream fed from Postgres LISTEN/NOTIFY.
/// Pause, Resume, Cancel and Retry are POSTs that need the key's write scope and the session's
/// CSRF token. Neither cookies nor keys are ever logged.
public struct ConsoleRoutes: Sendable {
    /// The session cookie's name.
    public static let cookieName = "dialer_console"

    let sessions: ConsoleSessionStore
    let keys: APIKeyStore
    let views: ConsoleViews
    let events: ConsoleEvents
    let database: Database

    init(database: Database, logger: Logger, progress: CampaignProgressCache) {
        self.database = database
        sessions = ConsoleSessionStore(database: database)
        keys = APIKeyStore(database: database)
        views = ConsoleViews(database: database, progress: progress)
        events = ConsoleEvents(database: database, logger: logger, progress: progress)
    }

    /// Adds every console route to `router`. Call it once per process: the routes share one
    /// LISTEN connection.
    /// `progress` is shared with the API, so the process counts each campaign once for both.
    public static func add<Context: RequestContext>(
        to router: Router<Context>,
        database: Database,
        logger: Logger? = nil,
        progress: CampaignProgressCache? = nil
    ) {
        let progress = progress ?? CampaignProgressCache(store: CampaignStore(database: database))
        ConsoleRoutes(database: database, logger: logger ?? database.logger, progress: progress).add(to: router)
    }

    func add<Context: RequestContext>(to router: Router<Context>) {
        let console = router.group("console")
        console.get("assets/:file") { _, context in Self.asset(context.parameters.get("file") ?? "") }
        console.get("sign-in") { _, _ in Self.signInPage(error: nil) }
        console.post("sign-in") { request, _ in try await signIn(request) }
        console.post("sign-out") { request, _ in try await signOut(request) }

        router.get("console") { request, _ in try await page(request) { session in ("Campaigns", views.campaignList(session), [], nil) } }
        console.get("campaigns/:name") { request, context in
            let name = Self.parameter(context, "name")
            return try await page(request) { session in
                let cursor = request.uri.queryParameters.get("cursor").flatMap(CallListCursor.init(token:))
                return try await views.campaign(name, cursor: cursor, session: session).map {
                    (name, $0, [.init(label: "Campaigns", path: ConsolePaths.root)], nil)
                }
            }
        }
        console.get("calls/:id") { request, context in
            let id = Self.parameter(context, "id")
            return try await page(request) { session in
                try await views.call(id, session: session).map { found in
                    (
                        "Call to \(found.to)", found.view,
                        [
                            .init(label: "Campaigns", path: ConsolePaths.root),
                            .init(label: found.campaign, path: ConsolePaths.campaign(found.campaign)),
                        ], nil
                    )
                }
            }
        }
        console.get("tasks") { request, _ in
            let retried = request.uri.queryParameters.get("retried").flatMap { Int($0) }
            return try await page(request) { session in
                let note = retried.map { "\($0) Task sync\($0 == 1 ? "" : "s") queued again." }
                return ("Failed Task syncs", views.taskFailures(session), [], note)
            }
        }

        // The live regions' streams: the same views as the pages, pushed on change.
        console.get("events/campaigns") { request, _ in try await stream(request) { views.campaignList($0) } }
        console.get("events/campaigns/:name") { request, context in
            let cursor = request.uri.queryParameters.get("cursor").flatMap(CallListCursor.init(token:))
            return try await stream(request) { try await views.campaign(Self.parameter(context, "name"), cursor: cursor, session: $0) }
        }
        console.get("events/calls/:id") { request, context in
            try await stream(request) { try await views.call(Self.parameter(context, "id"), session: $0)?.view }
        }
        console.get("events/tasks") { request, _ in try await stream(request) { views.taskFailures($0) } }

        for (action, from, to) in [
            ("pause", [CampaignStatus.active, .importing], CampaignStatus.paused),
            ("resume", [.paused], .active),
            ("cancel", [.importing, .active, .paused], .cancelled),
        ] {
            console.post("campaigns/:name/\(action)") { request, context in
                let name = Self.parameter(context, "name")
                return try await act(request, scope: .campaignsWrite, back: ConsolePaths.campaign(name)) { session, _ in
                    do {
                        try await CampaignStore(database: database).transition(name: name, from: Set(from), to: to)
                        return ConsoleResponses.redirect(ConsolePaths.campaign(name))
                    } catch {
                        // The store's transaction hands its closure's error back wrapped.
                        guard let refused = ((error as? PostgresTransactionError)?.closureError ?? error) as? CampaignError else { throw error }
                        if case .notFound = refused {
                            return ConsoleResponses.message(.notFound, "No such campaign", "There is no campaign \(name).", session: session)
                        }
                        return ConsoleResponses.message(
                            .conflict,
                            "Not now",
                            refused.description,
                            session: session,
                            back: ConsolePaths.campaign(name)
                        )
                    }
                }
            }
        }
        console.post("tasks/retry") { request, _ in
            try await act(request, scope: .tasksWrite, back: "\(ConsolePaths.root)/tasks") { session, form in
                let selection = TaskSyncOperations.RetrySelection(
                    campaign: form["campaign"].flatMap { $0.isEmpty ? nil : $0 },
                    callSID: form["call_sid"].flatMap { $0.isEmpty ? nil : $0 }
                )
                do {
                    let count = try await TaskSyncOperations(database: database).retry(selection)
                    return ConsoleResponses.redirect("\(ConsolePaths.root)/tasks?retried=\(count)")
                } catch let error as TaskSyncOperations.RetryError {
                    return ConsoleResponses.message(
                        .badRequest,
                        "Nothing to retry",
                        error.description,
                        session: session,
                        back: "\(ConsolePaths.root)/tasks"
                    )
                }
            }
        }
    }

    // MARK: Sessions

    /// The signed-in session of the request, if its cookie names a live one.
    func session(_ request: Request) async throws -> (id: String, session: ConsoleSession)? {
        guard let id = request.cookies[Self.cookieName]?.value, let session = try await sessions.session(id: id) else { return nil }
        return (id, session)
    }

    func signIn(_ request: Request) async throws -> Response {
        if Self.isCrossSite(request) { return Self.signInPage(error: "Sign in from the console's own page.", status: .forbidden) }
        guard let form = await ConsoleResponses.form(request) else {
            return ConsoleResponses.message(.contentTooLarge, "Too large", "That form is larger than 64 KiB.", session: nil)
        }
        let token = (form["key"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard let key = try await keys.authenticate(token) else {
            return Self.signInPage(error: "That key is unknown or revoked.", status: .unauthorized)
        }
        guard key.allows(.read) else {
            return Self.signInPage(error: "The key \(key.name) lacks the read scope the console needs.", status: .forbidden)
        }
        let id = try await sessions.open(apiKeyID: key.id)
        var response = ConsoleResponses.redirect(ConsolePaths.root)
        response.setCookie(Self.cookie(id, secure: Self.isHTTPS(request)))
        return response
    }

    func signOut(_ request: Request) async throws -> Response {
        try await act(request, scope: nil, back: ConsolePaths.root) { _, _ in
            if let id = request.cookies[Self.cookieName]?.value { try await sessions.close(id: id) }
            var response = ConsoleResponses.redirect("\(ConsolePaths.root)/sign-in")
            response.setCookie(Self.cookie("", secure: Self.isHTTPS(request), maxAge: 0))
            return response
        }
    }

    static func cookie(_ value: String, secure: Bool, maxAge: Int? = nil) -> Cookie {
        // No Max-Age on a live session: it ends with the browser, or after the idle timeout.
        Cookie(name: cookieName, value: value, maxAge: maxAge, path: ConsolePaths.root, secure: secure, httpOnly: true, sameSite: .strict)
    }

    /// A browser says the POST came from another site's page (`Sec-Fetch-Site`): refused even
    /// before the CSRF token, and for the sign-in form, which has none (so no other site can
    /// sign a browser in with its own key). Clients that send no such header are not browsers.
    static func isCrossSite(_ request: Request) -> Bool {
        guard let site = request.headers[.init("Sec-Fetch-Site")!] else { return false }
        return site != "same-origin" && site != "none"
    }

    /// The request reached us over https, directly or through a proxy that says so.
    static func isHTTPS(_ request: Request) -> Bool {
        request.uri.scheme == .https || request.headers[.init("X-Forwarded-Proto")!]?.lowercased() == "https"
    }

    static func signInPage(error: String?, status: HTTPResponse.Status = .ok) -> Response {
        ConsoleResponses.page(title: "Sign in", session: nil, body: ConsoleTemplates.render(SignInModel(error: error), "sign_in"), status: status)
    }

    // MARK: Pages, streams and actions

    typealias PageParts = (heading: String, view: LiveView, crumbs: [PageModel.Crumb], note: String?)

    /// A page for a signed-in person (else the sign-in page): its live region rendered now,
    /// and the path of the stream that keeps it current.
    func page(_ request: Request, _ parts: (ConsoleSession) async throws -> PageParts?) async throws -> Response {
        guard let (_, session) = try await session(request) else { return ConsoleResponses.redirect("\(ConsolePaths.root)/sign-in") }
        guard let parts = try await parts(session), let live = try await parts.view.render()?.html else {
            return ConsoleResponses.message(.notFound, "Not found", "Nothing here by that name.", session: session)
        }
        let events = "\(ConsolePaths.root)/events\(request.uri.path.dropFirst(ConsolePaths.root.count))" + (request.uri.query.map { "?\($0)" } ?? "")
        let model = PageModel(
            heading: parts.heading,
            crumbs: parts.crumbs,
            subtitle: parts.note,
            eventsPath: events,
            live: live,
            hasCrumbs: !parts.crumbs.isEmpty
        )
        return ConsoleResponses.page(title: parts.heading, session: session, body: ConsoleTemplates.render(model, "page"))
    }

    func stream(_ request: Request, _ view: (ConsoleSession) async throws -> LiveView?) async throws -> Response {
        guard let (id, session) = try await session(request) else {
            return ConsoleResponses.message(.unauthorized, "Signed out", "Sign in again.", session: nil)
        }
        guard let view = try await view(session) else { return ConsoleResponses.message(.notFound, "Not found", "Nothing here.", session: session) }
        // Each push checks the session first: a revoked key's or signed-out stream ends at its
        // next change (the browser's reconnect is then refused).
        let sessions = self.sessions
        let checked = LiveView(
            render: { try await sessions.session(id: id) == nil ? nil : try await view.render() },
            wants: view.wants
        )
        return EventStream(view: checked, events: events).response()
    }

    /// A state-changing POST: a session, the session's CSRF token (form field `csrf` or header
    /// `X-CSRF-Token`) and the write scope, or a refusal that changes nothing.
    func act(
        _ request: Request,
        scope: APIScope?,
        back: String,
        _ body: (ConsoleSession, [String: String]) async throws -> Response
    ) async throws -> Response {
        guard let (_, session) = try await session(request) else { return ConsoleResponses.redirect("\(ConsolePaths.root)/sign-in") }
        if Self.isCrossSite(request) {
            return ConsoleResponses.message(.forbidden, "Refused", "That request came from another site.", session: session, back: back)
        }
        guard let form = await ConsoleResponses.form(request) else {
            return ConsoleResponses.message(.contentTooLarge, "Too large", "That form is larger than 64 KiB.", session: session, back: back)
        }
        let given = form["csrf"] ?? request.headers[.init("X-CSRF-Token")!] ?? ""
        guard constantTimeEqual(given, session.csrfToken) else {
            return ConsoleResponses.message(
                .forbidden,
                "Refused",
                "The form was stale or did not come from this console. Reload the page and try again.",
                session: session,
                back: back
            )
        }
        if let scope, !session.allows(scope) {
            return ConsoleResponses.message(
                .forbidden,
                "Not allowed",
                "The key \(session.keyName) lacks the \(scope.rawValue) scope.",
                session: session,
                back: back
            )
        }
        return try await body(session, form)
    }

    /// A path parameter, percent-decoded (the router hands them over as sent).
    static func parameter<Context: RequestContext>(_ context: Context, _ name: String) -> String {
        let raw = context.parameters.get(name) ?? ""
        return raw.removingPercentEncoding ?? raw
    }

    /// The stylesheet and the script, from the binary; cached for an hour.
    static func asset(_ file: String) -> Response {
        let types = ["console.css": "text/css; charset=utf-8", "console.js": "text/javascript; charset=utf-8"]
        guard let type = types[file], let text = EmbeddedAssets.files[file] else {
            return Response(status: .notFound)
        }
        var headers = ConsoleResponses.securityHeaders()
        headers[.contentType] = type
        headers[.cacheControl] = "public, max-age=3600"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
