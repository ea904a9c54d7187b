import Foundation
import Hummingbird
import Logging
import OpenAPIHummingbird
import OpenAPIRuntime
import Store
import Worker

/// The HTTP API (`/v1`, and the seed's `/twilio/outbound/call` and `/twilio/call/{sid}/status`)
/// on the admin listener. Its routes, request and response types are generated from
/// `openapi.yaml`; the handlers are this type's methods, one file per area.
public struct DialerAPI: APIProtocol {
    let database: Database
    let logger: Logger
    let calls: CallRecordStore
    let campaigns: CampaignStore
    /// Progress is counted about once a second per campaign, however many clients ask.
    let progress: CampaignProgressCache
    /// `POST /v1/calls` below HTTP: checks and writes one call (its default caller ID and the
    /// window clock come from the serve configuration).
    let callRequests: CallRequests
    /// Keys that authenticated in the last `keyCacheLifetime`.
    let keyCache: APIKeyCache

    public init(
        database: Database,
        logger: Logger,
        progress: CampaignProgressCache? = nil,
        callRequests: CallRequests? = nil,
        keyCacheLifetime: Duration = .seconds(1)
    ) {
        self.database = database
        self.logger = logger
        self.calls = CallRecordStore(database: database)
        self.campaigns = CampaignStore(database: database)
        self.progress = progress ?? CampaignProgressCache(store: CampaignStore(database: database))
        self.callRequests = callRequests ?? CallRequests(database: database, defaultFrom: nil)
        self.keyCache = APIKeyCache(lifetime: keyCacheLifetime)
    }

    /// Mounts the API on `router`, behind the body limit and the key check.
    public func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        let group = router.group()
            .add(middleware: APIKeyAuthentication<Context>(keys: APIKeyStore(database: database), cache: keyCache, publicPaths: ["/v1/openapi.json"]))
            .add(middleware: RequestBodyLimit<Context>())
        do {
            try registerHandlers(on: group, configuration: .api, middlewares: [APIErrorTranslation(scopes: .fromDocument, logger: logger)])
        } catch {
            // Only a path the router cannot parse fails here: the document's, fixed at build.
            preconditionFailure("the API's generated routes could not be registered: \(error)")
        }
    }

    /// Whether the caller may see full phone numbers.
    var revealPhones: Bool { APICaller.key?.allows(.piiRead) == true }

    /// The key behind the request (the authentication middleware set it).
    var caller: APIKey {
        get throws {
            guard let key = APICaller.key else { throw APIProblem.unauthorized }
            return key
        }
    }

    func getOpenAPIDocument(_ input: Operations.GetOpenAPIDocument.Input) async throws -> Operations.GetOpenAPIDocument.Output {
        .ok(.init(body: .json(try Self.document.get())))
    }

    /// The document, parsed once.
    static let document = Result { try JSONDecoder().decode(OpenAPIValueContainer.self, from: Data(openAPIDocumentJSON.utf8)) }
}
