/// A SOQL query in the subset the dialer writes and its Sandbox answers:
/// `SELECT fields FROM object [WHERE condition] [ORDER BY …] [LIMIT n] [OFFSET n]`.
///
/// Campaign filters are parsed into this form and rendered back (`soql`) before anything is
/// sent or enqueued, so what reaches Salesforce is always one well-formed query, whatever an
/// operator typed.
public struct SOQLQuery: Sendable, Equatable {
    public var fields: [String]
    public var object: String
    public var condition: SOQLCondition?
    public var orderBy: [SOQLOrdering]
    public var limit: Int?
    public var offset: Int?

    public init(
        fields: [String],
        object: String,
        condition: SOQLCondition? = nil,
        orderBy: [SOQLOrdering] = [],
        limit: Int? = nil,
        offset: Int? = nil
    ) {
        self.fields = fields
        self.object = object
        self.condition = condition
        self.orderBy = orderBy
        self.limit = limit
        self.offset = offset
    }

    /// The query as SOQL text, in canonical form.
    public var soql: String {
        var text = "SELECT \(fields.joined(separator: ", ")) FROM \(object)"
        if let condition { text += " WHERE \(condition.soql)" }
        if !orderBy.isEmpty { text += " ORDER BY " + orderBy.map(\.soql).joined(separator: ", ") }
        if let limit { text += " LIMIT \(limit)" }
        if let offset { text += " OFFSET \(offset)" }
        return text
    }

    /// Adds each of `required` that the field list lacks (field names compare case-insensitively,
    /// as in Salesforce).
    public mutating func addFields(_ required: [String]) {
        let present = Set(fields.map { $0.lowercased() })
        fields += required.filter { !present.contains($0.lowercased()) }
    }
}

/// A WHERE clause.
public indirect enum SOQLCondition: Sendable, Equatable {
    case and([SOQLCondition])
    case or([SOQLCondition])
    case not(SOQLCondition)
    case comparison(field: String, SOQLComparison, SOQLValue)
    case valueIn(field: String, [SOQLValue], negated: Bool)
    /// `pattern` is in LIKE form: `%` and `_` are wildcards, `\%`, `\_` and `\\` a literal
    /// percent, underscore and backslash.
    case like(field: String, pattern: String)

    /// The condition as SOQL text; compound terms are parenthesised so precedence never changes.
    public var soql: String {
        switch self {
        case .and(let terms): terms.map(\.parenthesisedIfCompound).joined(separator: " AND ")
        case .or(let terms): terms.map(\.parenthesisedIfCompound).joined(separator: " OR ")
        case .not(let term): "NOT \(term.parenthesised)"
        case let .comparison(field, op, value): "\(field) \(op.rawValue) \(value.soql)"
        case let .valueIn(field, values, negated):
            "\(field) \(negated ? "NOT IN" : "IN") (\(values.map(\.soql).joined(separator: ", ")))"
        case let .like(field, pattern): "\(field) LIKE \(SOQLValue.quoted(pattern, keepingBackslashes: true))"
        }
    }

    var parenthesised: String { "(\(soql))" }

    var parenthesisedIfCompound: String {
        switch self {
        case .and, .or: parenthesised
        default: soql
        }
    }
}

/// A comparison operator.
public enum SOQLComparison: String, Sendable, CaseIterable {
    case equal = "="
    case notEqual = "!="
    case less = "<"
    case lessOrEqual = "<="
    case greater = ">"
    case greaterOrEqual = ">="
}

/// A literal in a condition.
public enum SOQLValue: Sendable, Equatable {
    case string(String)
    case number(Double)
    case boolean(Bool)
    case null
    /// A date literal, `YYYY-MM-DD`.
    case date(year: Int, month: Int, day: Int)
    /// A dateTime literal, kept as written (`2026-11-24T08:00:00Z`).
    case dateTime(String)

    public var soql: String {
        switch self {
        case .string(let text): return Self.quoted(text, keepingBackslashes: false)
        case .number(let value):
            return value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
        case .boolean(let value): return value ? "true" : "false"
        case .null: return "null"
        case let .date(year, month, day):
            return "\(year)-\(month < 10 ? "0" : "")\(month)-\(day < 10 ? "0" : "")\(day)"
        case .dateTime(let text): return text
        }
    }
}

extension SOQLValue {
    /// `text` as a quoted literal. Scalar by scalar, not by `Character`: a quote followed by a
    /// combining mark is one grapheme, yet Salesforce ends the literal at its quote unless it
    /// is escaped. A LIKE pattern keeps its backslashes, which already escape `%`, `_` and `\`.
    static func quoted(_ text: String, keepingBackslashes: Bool) -> String {
        let scalars = Array(text.unicodeScalars)
        var escaped = String.UnicodeScalarView()
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            index += 1
            switch scalar {
            case "'": escaped.append(contentsOf: "\\'".unicodeScalars)
            case "\\":
                // A pattern's own escape passes through; any other backslash (a lone one would
                // escape the closing quote) is a literal backslash.
                if keepingBackslashes, index < scalars.count, "%_\\".unicodeScalars.contains(scalars[index]) {
                    escaped.append(scalar)
                    escaped.append(scalars[index])
                    index += 1
                } else {
                    escaped.append(contentsOf: "\\\\".unicodeScalars)
                }
            case "\n": escaped.append(contentsOf: "\\n".unicodeScalars)
            case "\r": escaped.append(contentsOf: "\\r".unicodeScalars)
            case "\t": escaped.append(contentsOf: "\\t".unicodeScalars)
            default: escaped.append(scalar)
            }
        }
        return "'" + String(escaped) + "'"
    }
}

/// One ORDER BY term.
public struct SOQLOrdering: Sendable, Equatable {
    public var field: String
    public var descending: Bool
    /// nil: Salesforce's default (nulls first ascending, last descending).
    public var nullsFirst: Bool?

    public init(field: String, descending: Bool = false, nullsFirst: Bool? = nil) {
        self.field = field
        self.descending = descending
        self.nullsFirst = nullsFirst
    }

    var soql: String {
        var text = field + (descending ? " DESC" : " ASC")
        if let nullsFirst { text += nullsFirst ? " NULLS FIRST" : " NULLS LAST" }
        return text
    }
}
