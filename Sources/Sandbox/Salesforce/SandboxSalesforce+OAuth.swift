import Foundation
import Hummingbird
import JWTKit
import Salesforce
import Twilio

/// `POST /services/oauth2/token`: the JWT bearer flow, verified as Salesforce verifies it.
extension SandboxSalesforce {
    func addOAuthRoutes(to router: Router<BasicRequestContext>) {
        router.post("/services/oauth2/token") { request, _ -> Response in
            var request = request
            let body = try await request.collectBody(upTo: 1 << 20)
            let form = Self.formFields(String(buffer: body))
            guard form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer" else {
                return Self.oauthError("unsupported_grant_type", "grant type not supported")
            }
            guard let assertion = form["assertion"], !assertion.isEmpty else {
                return Self.oauthError("invalid_request", "assertion is required")
            }
            switch await self.check(assertion) {
            case .failure(let refusal):
                return Self.oauthError(refusal.error, refusal.description)
            case .success:
                return self.issueToken()
            }
        }
    }

    func addIdentityRoute(to router: Router<BasicRequestContext>) {
        router.get("/id/{org}/{user}") { request, context in
            try await self.guarded(request, context) { _ in
                // The identity service wants the `id` scope (`full` includes it); a token
                // with `api` alone is refused, as Salesforce refuses it.
                guard !Set(self.configuration.scopes).isDisjoint(with: ["id", "full"]) else {
                    return Response(
                        status: .forbidden,
                        headers: [.contentType: "text/plain;charset=UTF-8"],
                        body: ResponseBody(byteBuffer: ByteBuffer(string: "Bad_OAuth_Token"))
                    )
                }
                return Self.json(
                    200,
                    [
                        "username": self.configuration.username, "display_name": "Dialer Integration",
                        "organization_id": context.parameters.get("org") ?? "", "user_id": context.parameters.get("user") ?? "",
                    ]
                )
            }
        }
    }

    struct Refusal: Error {
        let error: String
        let description: String
    }

    func check(_ assertion: String) async -> Result<AssertionClaims, Refusal> {
        let claims: AssertionClaims
        do {
            let key = try Insecure.RSA.PublicKey(pem: configuration.publicKeyPEM)
            let keys = await JWTKeyCollection().add(rsa: key, digestAlgorithm: .sha256)
            claims = try await keys.verify(assertion, as: AssertionClaims.self)
        } catch let error as JWTError where error.errorType == .claimVerificationFailure {
            return .failure(Refusal(error: "invalid_grant", description: "expired authorization code"))
        } catch {
            return .failure(Refusal(error: "invalid_grant", description: "invalid assertion"))
        }
        guard claims.iss.value == configuration.clientID else {
            return .failure(Refusal(error: "invalid_client_id", description: "client identifier invalid"))
        }
        guard claims.sub.value == configuration.username else {
            return .failure(Refusal(error: "invalid_grant", description: "user hasn't approved this consumer"))
        }
        guard claims.aud.value == [configuration.audience] else {
            return .failure(Refusal(error: "invalid_grant", description: "audience is invalid"))
        }
        // exp is a whole number of seconds, as Salesforce's examples write it: a strict server
        // refuses a fraction.
        guard claims.expInWholeSeconds else {
            return .failure(Refusal(error: "invalid_grant", description: "invalid assertion: exp must be an integer"))
        }
        // exp is in seconds and at most a few minutes ahead; milliseconds land in the far future.
        guard claims.exp.timeIntervalSinceNow <= 300 else {
            return .failure(Refusal(error: "invalid_grant", description: "expiration time is too far in the future"))
        }
        return .success(claims)
    }

    func issueToken() -> Response {
        let token = "00DSB0000000001!" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
        let base = state.withLock { state in
            state.tokens.insert(token)
            return state.baseURL
        }
        return Self.json(
            200,
            [
                "access_token": token,
                "instance_url": base,
                "id": "\(base)/id/\(Self.organizationID)/\(Self.integrationUserID)",
                "token_type": "Bearer",
                "issued_at": String(Int(Date().timeIntervalSince1970 * 1000)),
                "scope": configuration.scopes.joined(separator: " "),
            ]
        )
    }

    static func oauthError(_ error: String, _ description: String) -> Response {
        json(400, ["error": error, "error_description": description])
    }

    /// `application/x-www-form-urlencoded` fields; the last of a repeated name wins.
    static func formFields(_ body: String) -> [String: String] {
        Dictionary(FormEncoding.decode(body), uniquingKeysWith: { _, last in last })
    }

    static func json(_ status: Int, _ value: some Encodable) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(value)) ?? Data()
        return Response(
            status: .init(code: status),
            headers: [.contentType: "application/json;charset=UTF-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data))
        )
    }

    /// Salesforce's REST error body.
    static func apiError(_ status: Int, _ errorCode: String, _ message: String, fields: [String] = []) -> Response {
        json(
            status,
            [
                SandboxJSON.object([
                    "errorCode": .string(errorCode), "message": .string(message), "fields": .array(fields.map { .string($0) }),
                ])
            ]
        )
    }
}

/// The bearer assertion's claims as Salesforce reads them: `exp` a NumericDate written as a
/// JSON number or as a string of digits (simple-salesforce, which Salesforce accepts, sends
/// `"exp": "1765000180"`), and the token refused once it has expired.
struct AssertionClaims: JWTPayload {
    var iss: IssuerClaim
    var sub: SubjectClaim
    var aud: AudienceClaim
    var exp: Date
    /// `exp` had no fraction, as Salesforce's examples write it; a strict server refuses one.
    var expInWholeSeconds: Bool

    private enum CodingKeys: String, CodingKey { case iss, sub, aud, exp }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        iss = try container.decode(IssuerClaim.self, forKey: .iss)
        sub = try container.decode(SubjectClaim.self, forKey: .sub)
        aud = try container.decode(AudienceClaim.self, forKey: .aud)
        if let seconds = try? container.decode(Double.self, forKey: .exp) {
            exp = Date(timeIntervalSince1970: seconds)
            expInWholeSeconds = seconds == seconds.rounded()
        } else if let text = try? container.decode(String.self, forKey: .exp), let seconds = Double(text) {
            exp = Date(timeIntervalSince1970: seconds)
            expInWholeSeconds = Int(text) != nil
        } else {
            throw DecodingError.dataCorruptedError(forKey: .exp, in: container, debugDescription: "exp is not a NumericDate")
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(iss, forKey: .iss)
        try container.encode(sub, forKey: .sub)
        try container.encode(aud, forKey: .aud)
        try container.encode(exp.timeIntervalSince1970, forKey: .exp)
    }

    func verify(using algorithm: some JWTAlgorithm) async throws {
        guard exp > Date() else { throw JWTError.claimVerificationFailure(failedClaim: nil, reason: "expired") }
    }
}
