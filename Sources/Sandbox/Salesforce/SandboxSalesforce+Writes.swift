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
            .array(errors.map { .object(["errorCode": .string($0.code), "message": .string($0.message), "fields": .array($0.fields.map { .string($0) })]) })
        }

        var errorsJSON: SandboxJSON {
            .array(errors.map { .object(["statusCode": .string($0.code), "message": .string($0.message), "fields": .array($0.fields.map { .string($0) })]) })
        }
    }

    /// Fields Salesforce requires on create, by object.
    static let requiredFields: [String: [String]] = ["task": ["Subject", "Status"], "contact": ["LastName"]]

    func create(type: String, fields: [String: SandboxJSON]) -> SaveResult {
        guard Self.standardFields[type.lowercased()] != nil else {
            return SaveResult(id: nil, errors: [("INVALID_TYPE", "sObject type '\(type)' is not supported.", [])])
        }
        if let problem = validate(type: type, fields: fields) { return problem }
        var record = SandboxRecord(type: type == type.lowercased() ? type.capitalized : type)
        for (name, value) in fields { record[name] = value.soqlValue }
        record["CreatedDate"] = .dateTime(ISO8601DateFormatter().string(from: Date()))
        let id = insert([record])[0]
        return SaveResult(id: id, errors: [])
    }

    func validate(type: String, fields: [String: SandboxJSON]) -> SaveResult? {
        let missing = (Self.requiredFields[type.lowercased()] ?? []).filter { name in
            guard let value = fields.first(where: { $0.key.lowercased() == name.lowercased() })?.value else { return true }
            return value == .null || value == .string("")
        }
        if !missing.isEmpty {
            return SaveResult(id: nil, errors: [("REQUIRED_FIELD_MISSING", "Required fields are missing: [\(missing.joined(separator: ", "))]", missing)])
        }
        if let marker = faults.rejectSubjectsContaining, case .string(let subject)? = fields["Subject"], subject.contains(marker) {
            return SaveResult(id: nil, errors: [("FIELD_CUSTOM_VALIDATION_EXCEPTION", "Subject is not allowed: \(marker)", ["Subject"])])
        }
        return nil
    }

    func update(id: String, type: String, fields: [String: SandboxJSON]) -> Response {
        let found = state.withLock { state -> Bool in
            guard var record = state.records[id], record.type.lowercased() == type.lowercased() else { return false }
            for (name, value) in fields where name.lowercased() != "id" { record[name] = value.soqlValue }
            state.records[id] = record
            return true
        }
        return found ? Response(status: .noContent) : Self.apiError(404, "NOT_FOUND", "Provided external ID field does not exist or is not accessible: \(id)")
    }

    func upsert(type: String, field: String, value: String, fields: [String: SandboxJSON]) -> Response {
        let condition = SOQLCondition.comparison(field: field, .equal, .string(value))
        let matches = records(ofType: type).filter { SOQLEvaluator.matches(condition, $0) }
        switch matches.count {
        case 0:
            var withKey = fields
            withKey[field] = .string(value)
            var result = create(type: type, fields: withKey)
            guard result.success else { return Self.json(400, result.restErrors) }
            result.created = true
            return Self.json(201, result.json)
        case 1:
            let id = matches[0].id ?? ""
            _ = update(id: id, type: type, fields: fields)
            return Self.json(200, SaveResult(id: id, errors: [], created: false).json)
        default:
            return Self.json(300, matches.compactMap { $0.id.map { "/services/data/v62.0/sobjects/\(type)/\($0)" } })
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
