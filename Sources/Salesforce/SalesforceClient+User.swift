import Foundation

/// The integration user, as a query on User answers it.
public struct SalesforceUser: Decodable, Sendable, Equatable {
    public let Id: String
    public let Username: String
    public let Name: String?
}

extension SalesforceClient {
    /// The configured user (`SALESFORCE_USERNAME`), read with a query on User: proves the
    /// login and the `api` scope end to end. The identity URL the login returns would need the
    /// `id` scope too, which the dialer does not otherwise use, so it is not asked.
    public func integrationUser() async throws -> SalesforceUser {
        let soql = SOQLQuery(
            fields: ["Id", "Username", "Name"],
            object: "User",
            condition: .comparison(field: "Username", .equal, .string(configuration.username)),
            limit: 1
        ).soql
        guard let user = try await query(soql, as: SalesforceUser.self).first else {
            throw SalesforceError.api(
                status: 200,
                errorCode: "NOT_FOUND",
                message: "no User \(configuration.username) is visible to the integration user",
                fields: []
            )
        }
        return user
    }
}
