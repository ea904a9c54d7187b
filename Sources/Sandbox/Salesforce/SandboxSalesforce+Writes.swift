import Foundation
import Hummingbird
import Salesforce

/// Creates, updates and upserts, with Salesforce's per-record results and validation errors.
extension SandboxSalesforce {
    /// One record's outcome, as `composite/sobjects` and create answer it.
    struct SaveResult {
        var id: String?
        var errors: [(code: String, message: String, fields: [String])]
        var created: Bool? = nil

        var success: Bool { errors.isEmpty }

        var json: SandboxJSON {
            var object: [String: SandboxJSON] = [
                "id": id.map { .string($0) } ?? .null,
                "success": .bool(success),
                "errors": errorsJSON,
            ]
            if let created { object["created"] = .bool(created) }
            return .object(object)
        }

        /// The errors as a failed single-record REST call answers them.
        var restErrors: SandboxJSON {
            .array(
                errors.map {
                    .object(["errorCode": .string($0.code), "message": .string($0.message), "fields": .array($0.fields.map { .string($0) })])
                }
            )
        }

        var errorsJSON: SandboxJSON {
            .array(
                errors.map {
                    .object(["statusCode": .string($0.code), "message": .string($0.message), "fields": .array($0.fields.map { .string($0) })])
                }
            )
        }
    }

    /// Fields Salesforce requires on create, by object (not nillable, not defaulted on create).
    /// Task.Subject is nillable; Task.Status and Priority are required but defaulted on create,
    /// so a create without them gets the defaults (`defaultsOnCreate`), as the object reference
    /// describes them, and simple-salesforce's upserts rely on.
    static let requiredFields: [String: [String]] = ["contact": ["LastName"]]

    /// Values Salesforce fills in on create when the request leaves a field out.
    static let defaultsOnCreate: [String: [String: SOQLValue]] = ["task": ["Status": .string("Not Started"), "Priority": .string("Normal")]]

    /// Text fields' maximum lengths, by object.
    static let lengthLimits: [String: [String: Int]] = ["task": ["Subject": 255, "Description": 32_000, "CallObject": 255]]

    func create(type: String, fields: [String: SandboxJSON]) -> SaveResult {
        guard Self.standardFields[type.lowercased()] != nil else {
            return SaveResult(id: nil, errors: [("INVALID_TYPE", "sObject type '\(type)' is not supported.", [])])
        }
        if let problem = validate(type: type, fields: fields) { return problem }
        var record = SandboxRecord(type: type == type.lowercased() ? type.capitalized : type)
        for (name, value) in Self.defaultsOnCreate[type.lowercased()] ?? [:] { record[name] = value }
        for (name, value) in fields { record[name] = value.soqlValue }
        record["CreatedDate"] = .dateTime(ISO8601DateFormatter().string(from: Date()))
        let id = insert([record])[0]
        if record.type == "Task" { state.withLock { $0.taskWrites += 1 } }
        return SaveResult(id: id, errors: [])
    }

    func validate(type: String, fields: [String: SandboxJSON]) -> SaveResult? {
        let missing = (Self.requiredFields[type.lowercased()] ?? []).filter { name in
            guard let value = fields.first(where: { $0.key.lowercased() == name.lowercased() })?.value else { return true }
            return value == .null || value == .string("")
        }
        if !missing.isEmpty {
            return SaveResult(
                id: nil,
                errors: [("REQUIRED_FIELD_MISSING", "Required fields are missing: [\(missing.joined(separator: ", "))]", missing)]
            )
        }
        // Text fields longer than Salesforce takes, counted as Salesforce (Java) counts: UTF-16.
        for (name, limit) in Self.lengthLimits[type.lowercased()] ?? [:] {
            if case .string(let text)? = fields[name], text.utf16.count > limit {
                return SaveResult(
                    id: nil,
                    errors: [("STRING_TOO_LONG", "\(name): data value too large: \(text.utf16.count) (max length=\(limit))", [name])]
                )
            }
        }
        if let marker = faults.rejectSubjectsContaining, case .string(let subject)? = fields["Subject"], subject.contains(marker) {
            return SaveResult(id: nil, errors: [("FIELD_CUSTOM_VALIDATION_EXCEPTION", "Subject is not allowed: \(marker)", ["Subject"])])
        }
        return nil
    }

    /// Fields Salesforce sets on create only (createable, not updateable), by object: an update
    /// that carries one is refused, even when the value is unchanged.
    static let createOnlyFields: [String: [String]] = ["task": ["TaskSubtype"]]

    /// The create-only field an update may not carry, refused as Salesforce refuses it.
    func createOnlyProblem(type: String, fields: [String: SandboxJSON]) -> SaveResult? {
        let named = (Self.createOnlyFields[type.lowercased()] ?? []).filter { name in fields.keys.contains { $0.lowercased() == name.lowercased() } }
        guard !named.isEmpty else { return nil }
        let list = named.joined(separator: ", ")
        return SaveResult(
            id: nil,
            errors: [
                (
                    "INVALID_FIELD_FOR_INSERT_UPDATE",
                    "Unable to create/update fields: \(list). Please check the security settings of this field and verify that it is read/write for your profile or permission set.",
                    named
                )
            ]
        )
    }

    /// Updates the record `id`: nil when there is none of `type`, else its outcome.
    func updateRecord(id: String, type: String, fields: [String: SandboxJSON]) -> SaveResult? {
        if let problem = createOnlyProblem(type: type, fields: fields) {
            guard record(id: id)?.type.lowercased() == type.lowercased() else { return nil }
            return SaveResult(id: id, errors: problem.errors)
        }
        let found = state.withLock { state -> Bool in
            guard var record = state.records[id], record.type.lowercased() == type.lowercased() else { return false }
            for (name, value) in fields where name.lowercased() != "id" { record[name] = value.soqlValue }
            state.records[id] = record
            if record.type == "Task" { state.taskWrites += 1 }
            return true
        }
        return found ? SaveResult(id: id, errors: []) : nil
    }

    func update(id: String, type: String, fields: [String: SandboxJSON]) -> Response {
        switch updateRecord(id: id, type: type, fields: fields) {
        case .some(let result) where result.success: Response(status: .noContent)
        case .some(let result): Self.json(400, result.restErrors)
        case .none: Self.apiError(404, "NOT_FOUND", "Provided external ID field does not exist or is not accessible: \(id)")
        }
    }

    func upsert(type: String, field: String, value: String, fields: [String: SandboxJSON]) -> Response {
        switch upsertRecord(type: type, field: field, value: value, fields: fields) {
        case .saved(let result) where result.success: Self.json(result.created == true ? 201 : 200, result.json)
        case .saved(let result): Self.json(400, result.restErrors)
        case .multiple(let ids): Self.json(300, ids.map { "/services/data/v62.0/sobjects/\(type)/\($0)" })
        }
    }

    enum UpsertOutcome {
        case saved(SaveResult)
        case multiple([String])
    }

    /// One upsert, found and written as one step: the external-ID field is unique, as a real
    /// org's would be, so two racing upserts of one value make one record.
    func upsertRecord(type: String, field: String, value: String, fields: [String: SandboxJSON]) -> UpsertOutcome {
        upserts.withLock { _ in
            let condition = SOQLCondition.comparison(field: field, .equal, .string(value))
            let matches = records(ofType: type).filter { SOQLEvaluator.matches(condition, $0) }
            switch matches.count {
            case 0:
                var withKey = fields
                withKey[field] = .string(value)
                var result = create(type: type, fields: withKey)
                if result.success { result.created = true }
                return .saved(result)
            case 1:
                // An upsert that finds its record is an update: a create-only field refuses it.
                let id = matches[0].id ?? ""
                if let problem = validate(type: type, fields: fields) { return .saved(problem) }
                guard var result = updateRecord(id: id, type: type, fields: fields) else {
                    return .saved(SaveResult(id: nil, errors: [("NOT_FOUND", "not found: \(id)", [])]))
                }
                if result.success { result.created = false } else { result.id = nil }
                return .saved(result)
            default:
                return .multiple(matches.compactMap(\.id))
            }
        }
    }

    static func bodyFields(_ request: Request) async throws -> [String: SandboxJSON] {
        var request = request
        let body = try await request.collectBody(upTo: 16 << 20)
        guard case .object(let fields)? = try? JSONDecoder().decode(SandboxJSON.self, from: Data(body.readableBytesView)) else {
            throw HTTPError(.badRequest, message: "the body must be a JSON object")
        }
        return fields
    }
}

extension SandboxSalesforce {
    /// How many Tasks the org holds for each CallObject (CallSid): 1 everywhere is invariant 4.
    public func taskCountsByCallObject() -> [String: Int] {
        records(ofType: "Task").reduce(into: [:]) { counts, task in
            if case .string(let sid) = task["CallObject"] { counts[sid, default: 0] += 1 }
        }
    }
}
