/// An access token and the instance it is good for.
public struct SalesforceSession: Sendable, Equatable {
    public let accessToken: String
    public let instanceURL: String
    /// The identity URL: `…/id/<orgId>/<userId>`.
    public let identityURL: String
}

/// The access token shared by every concurrent caller: minted on first use, replaced when
/// Salesforce says it is invalid, with at most one mint in flight however many callers wait.
/// The JWT bearer flow has no refresh token: a new token is a new assertion.
actor SalesforceTokenCache {
    private var current: SalesforceSession?
    private var minting: Task<SalesforceSession, any Error>?
    private let mint: @Sendable () async throws -> SalesforceSession

    init(mint: @escaping @Sendable () async throws -> SalesforceSession) {
        self.mint = mint
    }

    func session() async throws -> SalesforceSession {
        if let current { return current }
        return try await renew()
    }

    /// Drops `stale` (if it is still current) and returns a fresh session; callers that all
    /// saw the same expired token share one mint.
    func replace(_ stale: SalesforceSession) async throws -> SalesforceSession {
        if let current, current != stale { return current }
        current = nil
        return try await renew()
    }

    private func renew() async throws -> SalesforceSession {
        if let minting { return try await minting.value }
        let task = Task { try await mint() }
        minting = task
        defer { minting = nil }
        let session = try await task.value
        current = session
        return session
    }
}
