import Foundation
import PostgresNIO

// The statements every API request runs, prepared once per connection (PostgresNIO names and
// caches them): parsing and planning them again took a fifth of Postgres's time per call. Their
// parameter types are given, not inferred from a first execution whose NULLs have none.

/// `dialer.authenticate_api_key`: the key a request carries, or no row.
struct AuthenticateAPIKeyStatement: PostgresPreparedStatement {
    typealias Row = (Int64, String, String, [String], Date, Date?)

    static let sql = "SELECT id, name, prefix, scopes, created_at, last_used_at FROM dialer.authenticate_api_key($1, $2)"
    static var bindingDataTypes: [PostgresDataType] { [.bytea, .float8] }

    let hash: Data
    let resolution: Double

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 2)
        try bindings.append(hash)
        bindings.append(resolution)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        try row.decode(Row.self)
    }
}

/// `dialer.accept_call_request`: one API call, written; its outcome and answer.
struct AcceptCallRequestStatement: PostgresPreparedStatement {
    typealias Row = (String, Int, String)

    static let sql = """
        SELECT outcome, response_status, response_body FROM dialer.accept_call_request(
            $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,
            $21::jsonb, $22, $23::int, $24::int, $25, $26::int, $27::jsonb, $28::jsonb)
        """
    static var bindingDataTypes: [PostgresDataType] {
        [
            .int8, .text, .text, .bytea, .float8,  // the key's claim, and how long it is kept
            .int8, .uuid, .text, .text, .text, .text,  // campaign, request: id, Contact, to, from, message
            .text, .text, .text, .text, .textArray, .textArray, .text, .text,  // the contact row
            .text, .text, .text, .int8, .int8, .float8,  // the job
            .int8, .text, .text,  // the answers
        ]
    }

    let call: CallAcceptance

    func makeBindings() throws -> PostgresBindings {
        let claim = call.idempotency
        let contact = call.contact
        var b = PostgresBindings(capacity: 28)
        b.append(claim?.apiKeyID)
        b.append(claim?.key)
        b.append(claim?.operation)
        try b.append(claim?.requestHash)
        b.append(IdempotencyStore.retention)
        b.append(call.campaignID)
        b.append(call.requestID)
        b.append(call.request.salesforceID)
        b.append(call.request.to)
        b.append(call.request.from)
        b.append(call.request.message)
        b.append(contact?.phoneField)
        b.append(contact?.mailingState)
        b.append(contact?.timeZone)
        b.append(contact?.timeZoneSource)
        b.append(contact?.timeZones)
        b.append(contact?.callingStates)
        b.append(contact?.skipReason)
        b.append(contact?.skipDetail)
        b.append(call.jobKind)
        b.append(call.jobArgs)
        b.append(call.jobKey)
        b.append(call.jobPriority)
        b.append(call.jobMaxAttempts)
        b.append(call.runAfter.seconds)
        b.append(call.answer.status)
        b.append(String(decoding: call.answer.body, as: UTF8.self))
        b.append(String(decoding: call.answerIfOnDNCList, as: UTF8.self))
        return b
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        try row.decode(Row.self)
    }
}
