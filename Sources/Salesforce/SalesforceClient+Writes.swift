import Foundation

/// The writes the finalizer and the opt-out path make: Tasks and Contact.DoNotCall.
extension SalesforceClient {
    /// Creates one Task; returns its id.
    public func createTask(_ task: SalesforceTask) async throws -> String {
        let result = try await send(.POST, "\(dataPath)/sobjects/Task", json: try JSONEncoder().encode(task), idempotent: false)
            .decode(SalesforceSaveResult.self)
        guard result.success, let id = result.id else {
            let error = result.errors.first
            throw SalesforceError.api(
                status: 400,
                errorCode: error?.statusCode ?? "UNKNOWN",
                message: error?.message ?? "not saved",
                fields: error?.fields ?? []
            )
        }
        return id
    }

    /// Creates up to 200 Tasks in one `composite/sobjects` request, not all-or-none: the results
    /// come back in request order, one per Task, each saved or with its own errors.
    public func createTasks(_ tasks: [SalesforceTask]) async throws -> [SalesforceSaveResult] {
        precondition(tasks.count <= 200, "composite/sobjects takes at most 200 records")
        guard !tasks.isEmpty else { return [] }
        let body = try JSONEncoder().encode(CompositeBody(records: tasks.map(TypedTask.init)))
        let results = try await send(.POST, "\(dataPath)/composite/sobjects", json: body, idempotent: false).decode([SalesforceSaveResult].self)
        guard results.count == tasks.count else {
            throw SalesforceError.unexpectedResponse(status: 200, "\(results.count) results for \(tasks.count) records")
        }
        return results
    }

    /// Creates or updates up to 200 Tasks in one `composite/sobjects/Task/{field}` request, each
    /// keyed by its own value of the external-ID field `field` (which each Task must carry in
    /// `customFields`): idempotent by construction. Not all-or-none; results in request order.
    ///
    /// Each Task goes with its create-only fields (TaskSubtype), so a Task the upsert creates
    /// is a Call. Salesforce refuses those fields when the upsert finds the Task (a write
    /// repeated after a lost answer): the Tasks refused so are sent once more without them, in
    /// one more request, and update what they found.
    public func upsertTasks(_ tasks: [SalesforceTask], externalIDField field: String) async throws -> [SalesforceSaveResult] {
        precondition(tasks.count <= 200, "composite/sobjects takes at most 200 records")
        var results = try await upsertBatch(tasks, externalIDField: field)
        let existing = results.indices.filter { !results[$0].success && results[$0].errors.contains(where: \.refusesTaskCreateOnlyField) }
        guard !existing.isEmpty else { return results }
        let updates = try await upsertBatch(existing.map { tasks[$0].withoutCreateOnlyFields }, externalIDField: field)
        for (index, result) in zip(existing, updates) { results[index] = result }
        return results
    }

    func upsertBatch(_ tasks: [SalesforceTask], externalIDField field: String) async throws -> [SalesforceSaveResult] {
        guard !tasks.isEmpty else { return [] }
        let body = try JSONEncoder().encode(CompositeBody(records: tasks.map(TypedTask.init)))
        let results = try await send(.PATCH, "\(dataPath)/composite/sobjects/Task/\(Self.pathComponent(field))", json: body)
            .decode([SalesforceSaveResult].self)
        guard results.count == tasks.count else {
            throw SalesforceError.unexpectedResponse(status: 200, "\(results.count) results for \(tasks.count) records")
        }
        return results
    }

    /// The Tasks logged for these CallSids (`CallObject`), up to 200 at once: CallSid → Task id.
    public func findTasks(callObjects callSids: [String]) async throws -> [String: String] {
        guard !callSids.isEmpty else { return [:] }
        struct Row: Decodable, Sendable {
            let Id: String
            let CallObject: String?
        }
        let soql = SOQLQuery(
            fields: ["Id", "CallObject"],
            object: "Task",
            condition: .valueIn(field: "CallObject", callSids.map { .string($0) }, negated: false),
            orderBy: [SOQLOrdering(field: "CreatedDate")]
        ).soql
        var found: [String: String] = [:]
        for row in try await query(soql, as: Row.self) {
            if let sid = row.CallObject, found[sid] == nil { found[sid] = row.Id }
        }
        return found
    }

    /// Creates or updates the Task whose external-ID field `field` is `value`: idempotent by
    /// construction. Returns the Task id and whether it was created. As `upsertTasks`, it goes
    /// with TaskSubtype, and again without when Salesforce refuses it on the Task it found.
    public func upsertTask(_ task: SalesforceTask, externalIDField field: String, value: String) async throws -> (id: String, created: Bool) {
        do {
            return try await upsertOne(task, externalIDField: field, value: value)
        } catch let SalesforceError.api(_, code, message, fields)
            where SalesforceTask.refusesCreateOnlyField(code: code, message: message, fields: fields)
        {
            return try await upsertOne(task.withoutCreateOnlyFields, externalIDField: field, value: value)
        }
    }

    func upsertOne(_ task: SalesforceTask, externalIDField field: String, value: String) async throws -> (id: String, created: Bool) {
        var body = task
        body.customFields.removeValue(forKey: field)  // the key goes in the URL, not the body
        let path = "\(dataPath)/sobjects/Task/\(Self.pathComponent(field))/\(Self.pathComponent(value))"
        let answer = try await send(.PATCH, path, json: try JSONEncoder().encode(body))
        if answer.status == 300 {
            throw SalesforceError.api(
                status: 300,
                errorCode: "MULTIPLE_CHOICES",
                message: "more than one Task has \(field) = \(value)",
                fields: [field]
            )
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
            fields: ["Id"],
            object: "Task",
            condition: .comparison(field: field, .equal, .string(value)),
            orderBy: [SOQLOrdering(field: "CreatedDate")],
            limit: 1
        ).soql
        return try await query(soql, as: Row.self).first?.Id
    }

    /// Sets a Contact's DoNotCall (an opt-out heard during a call).
    /// Sets DoNotCall on up to 200 Contacts in one `composite/sobjects` update (not
    /// all-or-none): idempotent, so a retry is harmless. Returns the ids Salesforce refused,
    /// with its error.
    public func setDoNotCall(contactIDs: [String]) async throws -> [String: SalesforceRecordError] {
        precondition(contactIDs.count <= 200, "composite/sobjects takes at most 200 records")
        guard !contactIDs.isEmpty else { return [:] }
        struct Flag: Encodable {
            let attributes = ["type": "Contact"]
            let id: String
            let DoNotCall = true
        }
        struct Body: Encodable {
            let allOrNone = false
            let records: [Flag]
        }
        let body = try JSONEncoder().encode(Body(records: contactIDs.map { Flag(id: $0) }))
        let results = try await send(.PATCH, "\(dataPath)/composite/sobjects", json: body).decode([SalesforceSaveResult].self)
        guard results.count == contactIDs.count else {
            throw SalesforceError.unexpectedResponse(status: 200, "\(results.count) results for \(contactIDs.count) records")
        }
        var refused: [String: SalesforceRecordError] = [:]
        for (id, result) in zip(contactIDs, results) where !result.success {
            if let error = result.errors.first { refused[id] = error }
        }
        return refused
    }

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

/// A Task as a composite request carries it: its fields and `attributes.type`.
private struct TypedTask: Encodable {
    let task: SalesforceTask

    func encode(to encoder: any Encoder) throws {
        try task.encode(to: encoder)
        var container = encoder.container(keyedBy: SalesforceTask.Key.self)
        try container.encode(["type": "Task"], forKey: SalesforceTask.Key("attributes"))
    }
}

/// `{allOrNone: false, records: [...]}`: each record saved or refused on its own.
private struct CompositeBody: Encodable {
    let allOrNone = false
    let records: [TypedTask]
}
