import Foundation
import Hummingbird
import Salesforce

/// `/services/data/vNN.0/…`: query with paging, sObjects, composite, upsert.
extension SandboxSalesforce {
    static let standardFields: [String: Set<String>] = [
        "contact": [
            "id", "firstname", "lastname", "name", "phone", "mobilephone", "accountid", "donotcall", "mailingstate",
            "mailingpostalcode", "email", "description", "ownerid", "createddate", "lastmodifieddate", "account.name",
        ],
        "task": [
            "id", "whoid", "whatid", "subject", "status", "tasksubtype", "calltype", "calldisposition", "callobject",
            "calldurationinseconds", "activitydate", "description", "ownerid", "createddate", "lastmodifieddate", "callsid__c",
            "priority",
        ],
        "user": ["id", "username", "name", "email", "isactive", "createddate", "lastmodifieddate"],
    ]

    /// A query-string value as Salesforce reads it: form encoding, so `+` is a space (what
    /// simple-salesforce and every `requests` client send) and `%2B` a plus.
    static func queryValue(_ name: String, in query: String?) -> String? {
        for pair in (query ?? "").split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, parts[0] == name else { continue }
            return parts[1].replacingOccurrences(of: "+", with: " ").removingPercentEncoding
        }
        return nil
    }

    func addDataRoutes(to router: Router<BasicRequestContext>) {
        let data = router.group("/services/data/{version}")
        data.get("/query") { request, context in
            try await self.guarded(request, context) { version in
                guard let soql = Self.queryValue("q", in: request.uri.query) else {
                    return Self.apiError(400, "MALFORMED_QUERY", "q is required")
                }
                return self.query(soql, version: version)
            }
        }
        data.get("/query/{cursor}") { request, context in
            try await self.guarded(request, context) { version in
                self.page(context.parameters.get("cursor") ?? "", version: version)
            }
        }
        data.get("/sobjects/{object}/{key}") { request, context in
            try await self.guarded(request, context) { version in
                guard let record = self.record(id: context.parameters.get("key") ?? ""),
                    record.type.lowercased() == context.parameters.get("object")?.lowercased()
                else { return Self.apiError(404, "NOT_FOUND", "The requested resource does not exist") }
                let fields = request.uri.queryParameters["fields"].map { $0.split(separator: ",").map(String.init) }
                return Self.json(200, self.recordJSON(record, fields: fields ?? Array(record.fields.keys).sorted(), version: version))
            }
        }
        data.post("/sobjects/{object}") { request, context in
            try await self.guarded(request, context) { _ in
                let fields = try await Self.bodyFields(request)
                let result = self.create(type: context.parameters.get("object") ?? "", fields: fields)
                return Self.json(result.success ? 201 : 400, result.success ? result.json : result.restErrors)
            }
        }
        data.patch("/sobjects/{object}/{key}") { request, context in
            try await self.guarded(request, context) { _ in
                let fields = try await Self.bodyFields(request)
                return self.update(id: context.parameters.get("key") ?? "", type: context.parameters.get("object") ?? "", fields: fields)
            }
        }
        // {key} is the external-ID field here: one parameter name per path position.
        data.patch("/sobjects/{object}/{key}/{value}") { request, context in
            try await self.guarded(request, context) { _ in
                let fields = try await Self.bodyFields(request)
                return self.upsert(
                    type: context.parameters.get("object") ?? "",
                    field: context.parameters.get("key") ?? "",
                    value: context.parameters.get("value")?.removingPercentEncoding ?? "",
                    fields: fields
                )
            }
        }
        // Upsert of up to 200 records by an external-ID field, each on its own (allOrNone false).
        data.patch("/composite/sobjects/{object}/{field}") { request, context in
            try await self.guarded(request, context) { _ in
                let type = context.parameters.get("object") ?? ""
                let field = context.parameters.get("field") ?? ""
                guard let records = try await Self.compositeRecords(request) else {
                    return Self.apiError(400, "JSON_PARSER_ERROR", "records must be an array of at most 200 sObjects")
                }
                let results = records.map { record -> SaveResult in
                    guard case .object(var fields) = record else { return SaveResult(id: nil, errors: [("JSON_PARSER_ERROR", "not an sObject", [])]) }
                    fields["attributes"] = nil
                    guard case .string(let value)? = fields[field], !value.isEmpty else {
                        return SaveResult(id: nil, errors: [("MISSING_ARGUMENT", "\(field) not specified", [field])])
                    }
                    fields[field] = nil
                    switch self.upsertRecord(type: type, field: field, value: value, fields: fields) {
                    case .saved(let result): return result
                    case .multiple:
                        return SaveResult(id: nil, errors: [("DUPLICATE_EXTERNAL_ID", "more than one record has \(field) = \(value)", [field])])
                    }
                }
                return Self.json(200, results.map(\.json))
            }
        }
        // Update of up to 200 records by id, each on its own (allOrNone false).
        data.patch("/composite/sobjects") { request, context in
            try await self.guarded(request, context) { _ in
                guard let records = try await Self.compositeRecords(request) else {
                    return Self.apiError(400, "JSON_PARSER_ERROR", "records must be an array of at most 200 sObjects")
                }
                let results = records.map { record -> SaveResult in
                    guard case .object(var fields) = record, case .object(let attributes)? = fields["attributes"],
                        case .string(let type)? = attributes["type"], case .string(let id)? = fields["id"] ?? fields["Id"]
                    else { return SaveResult(id: nil, errors: [("MISSING_ARGUMENT", "attributes.type and id are required", [])]) }
                    fields["attributes"] = nil
                    return self.updateRecord(id: id, type: type, fields: fields)
                        ?? SaveResult(id: id, errors: [("ENTITY_IS_DELETED", "entity is deleted or not found: \(id)", [])])
                }
                return Self.json(200, results.map(\.json))
            }
        }
        data.post("/composite/sobjects") { request, context in
            try await self.guarded(request, context) { _ in
                guard let records = try await Self.compositeRecords(request) else {
                    return Self.apiError(400, "JSON_PARSER_ERROR", "records must be an array of at most 200 sObjects")
                }
                let results = records.map { record -> SaveResult in
                    guard case .object(var fields) = record, case .object(let attributes)? = fields["attributes"],
                        case .string(let type)? = attributes["type"]
                    else { return SaveResult(id: nil, errors: [("INVALID_TYPE", "attributes.type is required", [])]) }
                    fields["attributes"] = nil
                    return self.create(type: type, fields: fields)
                }
                return Self.json(200, results.map(\.json))
            }
        }
    }

    /// Applies the session check and the injected faults, then answers with `handler`.
    func guarded(_ request: Request, _ context: BasicRequestContext, _ handler: (String) async throws -> Response) async throws -> Response {
        let (faults, authorized) = state.withLock { state -> (Faults, Bool) in
            let token = request.headers[.authorization].map { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : "" } ?? ""
            state.dataRequests += 1
            if state.faults.expireSessionsEvery > 0 && state.dataRequests % state.faults.expireSessionsEvery == 0 {
                state.tokens.removeAll()
            }
            return (state.faults, state.tokens.contains(token))
        }
        if faults.latency > .zero { try await Task.sleep(for: faults.latency) }
        guard authorized else { return Self.apiError(401, "INVALID_SESSION_ID", "Session expired or invalid") }
        if faults.requestLimitExceeded {
            return Self.apiError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
        }
        let failNow = state.withLock { state -> Bool in
            if state.faults.serverErrors > 0 {
                state.faults.serverErrors -= 1
                return true
            }
            return state.faults.failingFraction > 0 && Double.random(in: 0..<1) < state.faults.failingFraction
        }
        let serverError = Self.apiError(
            500,
            "UNKNOWN_EXCEPTION",
            "An unexpected error occurred. Please include this ErrorId if you contact support: 1234567-89 (-1)"
        )
        if failNow { return serverError }
        if faults.writeLatency > .zero, request.method == .post || request.method == .patch {
            try await Task.sleep(for: faults.writeLatency)
        }
        let (hooks, writesBefore) = state.withLock { ($0.hooks, $0.taskWrites) }
        let response = try await handler(context.parameters.get("version") ?? "v62.0")
        if let after = hooks.afterTaskWrite, state.withLock({ $0.taskWrites }) > writesBefore { await after() }
        if faults.lostAnswerFraction > 0 && Double.random(in: 0..<1) < faults.lostAnswerFraction { return serverError }
        return response
    }

    func query(_ soql: String, version: String) -> Response {
        let query: SOQLQuery
        do {
            query = try SOQLParser.parseQuery(soql)
        } catch {
            return Self.apiError(400, "MALFORMED_QUERY", "\(soql)\n^\nERROR at Row:1:Column:\(error.offset + 1)\n\(error.message)")
        }
        guard let known = Self.standardFields[query.object.lowercased()] else {
            return Self.apiError(400, "INVALID_TYPE", "sObject type '\(query.object)' is not supported.")
        }
        let candidates = records(ofType: query.object)
        let present = Set(candidates.prefix(50).flatMap { $0.fields.keys.map { $0.lowercased() } })
        if let message = SOQLEvaluator.validate(query, knownFields: known.union(present)) {
            return Self.apiError(400, "INVALID_FIELD", message)
        }
        let matched = SOQLEvaluator.run(query, over: candidates)
        let cursorID = "01gSB" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(13)
        state.withLock { $0.cursors[cursorID] = Cursor(records: matched, fields: query.fields) }
        return page("\(cursorID)-0", version: version)
    }

    func page(_ locator: String, version: String) -> Response {
        let parts = locator.split(separator: "-")
        guard parts.count == 2, let offset = Int(parts[1]),
            let cursor = state.withLock({ $0.cursors[String(parts[0])] })
        else { return Self.apiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator") }
        let end = min(cursor.records.count, offset + configuration.pageSize)
        let done = end >= cursor.records.count
        var body: [String: SandboxJSON] = [
            "totalSize": .number(Double(cursor.records.count)),
            "done": .bool(done),
            "records": .array(cursor.records[offset..<end].map { .object(recordJSON($0, fields: cursor.fields, version: version)) }),
        ]
        if done {
            state.withLock { _ = $0.cursors.removeValue(forKey: String(parts[0])) }
        } else {
            body["nextRecordsUrl"] = .string("/services/data/\(version)/query/\(parts[0])-\(end)")
        }
        return Self.json(200, SandboxJSON.object(body))
    }

    func recordJSON(_ record: SandboxRecord, fields: [String], version: String) -> [String: SandboxJSON] {
        var json: [String: SandboxJSON] = [
            "attributes": .object([
                "type": .string(record.type), "url": .string("/services/data/\(version)/sobjects/\(record.type)/\(record.id ?? "")"),
            ])
        ]
        for (name, value) in record.projected(fields) {
            // A relationship's field comes back inside the related record, as Salesforce
            // sends it: `Account.Name` is `"Account": {"attributes": …, "Name": …}`, and a
            // contact without an account has `"Account": null`.
            guard let dot = name.firstIndex(of: ".") else {
                json[name] = SandboxJSON(value)
                continue
            }
            let relationship = String(name[..<dot])
            guard value != .null else {
                if json[relationship] == nil { json[relationship] = .null }
                continue
            }
            var related: [String: SandboxJSON] = ["attributes": .object(["type": .string(relationship)])]
            if case .object(let existing)? = json[relationship] { related = existing }
            related[String(name[name.index(after: dot)...])] = SandboxJSON(value)
            json[relationship] = .object(related)
        }
        return json
    }

    /// A composite request's `records`, at most 200 of them; nil for anything else.
    static func compositeRecords(_ request: Request) async throws -> [SandboxJSON]? {
        var request = request
        let body = try await request.collectBody(upTo: 16 << 20)
        guard case .object(let envelope)? = try? JSONDecoder().decode(SandboxJSON.self, from: Data(body.readableBytesView)),
            case .array(let records)? = envelope["records"], records.count <= 200
        else { return nil }
        return records
    }
}
