import Foundation

/// The writes the finalizer and the opt-out path make: Tasks and Contact.DoNotCall.
extension SalesforceClient {
    /// Creates one Task; returns its id.
    public func createTask(_ task: SalesforceTask) async throws -> String {
        let result = try await send(.POST, "\(dataPath)/sobjects/Task", json: try JSONEncoder().encode(task))
            .decode(SalesforceSaveResult.self)
        guard result.success, let id = result.id else {
            let error = result.errors.first
            throw SalesforceError.api(status: 400, errorCode: error?.statusCode ?? "UNKNOWN", message: error?.message ?? "not saved", fields: error?.fields ?? [])
        }
        return id
    }

    /// Creates up to 200 Tasks in one `composite/sobjects` request, not all-or-none: the results
    /// come back in request order, one per Task, each saved or with its own errors.
    public func createTasks(_ tasks: [SalesforceTask]) async throws -> [SalesforceSaveResult] {
        precondition(tasks.count <= 200, "composite/sobjects takes at most 200 records")
        guard !tasks.isEmpty else { return [] }
        struct Typed: Encodable {
            let task: SalesforceTask
            func encode(to encoder: any Encoder) throws {
                try task.encode(to: encoder)
                var container = encoder.container(keyedBy: SalesforceTask.Key.self)
                try container.encode(["type": "Task"], forKey: SalesforceTask.Key("attributes"))
            }
        }
        struct Body: Encodable {
            let allOrNone = false
            let records: [Typed]
        }
        let body = try JSONEncoder().encode(Body(records: tasks.map(Typed.init)))
        let results = try await send(.POST, "\(dataPath)/composite/sobjects", json: body).decode([SalesforceSaveResult].self)
        guard results.count == tasks.count else {
            throw SalesforceError.unexpectedResponse(status: 200, "\(results.count) results for \(tasks.count) records")
        }
        return results
    }

    /// Creates or updates the Task whose external-ID field `field` is `value`: idempotent by
    /// construction. Returns the Task id and whether it was created.
    public func upsertTask(_ task: SalesforceTask, externalIDField field: String, value: String) async throws -> (id: String, created: Bool) {
        var body = task
        body.customFields.removeValue(forKey: field)  // the key goes in the URL, not the body
        let path = "\(dataPath)/sobjects/Task/\(Self.pathComponent(field))/\(Self.pathComponent(value))"
        let answer = try await send(.PATCH, path, json: try JSONEncoder().encode(body))
        if answer.status == 300 {
            throw SalesforceError.api(status: 300, errorCode: "MULTIPLE_CHOICES", message: "more than one Task has \(field) = \(value)", fields: [field])
        }
        if answer.status == 204 {
            // Older API versions answer an update with no body: look the id up.
            guard let id = try await findTask(field: field, value: value) else {
                throw SalesforceError.unexpectedResponse(status: 204, "upserted Task not found by \(field)")
            }
            return (id, false)
        }
        let result = try answer.decode(SalesforceSaveResult.self)
        guard let id = result.id else { throw SalesforceError.unexpectedResponse(status: answer.status, "upsert answered no id") }
        return (id, result.created ?? (answer.status == 201))
    }

    /// The id of the Task logged for `callSid` (`CallObject`), if there is one.
    public func findTask(callObject callSid: String) async throws -> String? {
        try await findTask(field: "CallObject", value: callSid)
    }

    func findTask(field: String, value: String) async throws -> String? {
        struct Row: Decodable, Sendable { let Id: String }
        let soql = SOQLQuery(
            fields: ["Id"], object: "Task",
            condition: .comparison(field: field, .equal, .string(value)),
            orderBy: [SOQLOrdering(field: "CreatedDate")], limit: 1
        ).soql
        return try await query(soql, as: Row.self).first?.Id
    }

    /// Sets a Contact's DoNotCall (an opt-out heard during a call).
    public func setDoNotCall(contactID: String, _ doNotCall: Bool = true) async throws {
        let body = try JSONEncoder().encode(["DoNotCall": doNotCall])
        _ = try await send(.PATCH, "\(dataPath)/sobjects/Contact/\(Self.pathComponent(contactID))", json: body)
    }

    /// The Contact with `id`, or an `api` error with NOT_FOUND.
    public func contact(id: String) async throws -> SalesforceContact {
        let fields = SalesforceContact.fields.joined(separator: ",")
        return try await send(.GET, "\(dataPath)/sobjects/Contact/\(Self.pathComponent(id))?fields=\(fields)").decode(SalesforceContact.self)
    }

    static func pathComponent(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
    }
}

/// Who the session belongs to, from the identity URL the login returned.
public struct SalesforceIdentity: Decodable, Sendable, Equatable {
    public let username: String
    public let display_name: String?
    public let organization_id: String
    public let user_id: String
}

extension SalesforceClient {
    /// The logged-in user: proves the credentials work end to end.
    public func identity() async throws -> SalesforceIdentity {
        try await send(.GET, try await session().identityURL).decode(SalesforceIdentity.self)
    }
}
