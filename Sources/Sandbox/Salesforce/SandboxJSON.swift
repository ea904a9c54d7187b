import Salesforce

/// A JSON value that keeps true/false apart from 1/0, as sObject bodies need.
enum SandboxJSON: Codable, Equatable {
    case string(String)
    case number(Double)
    case bool(Bool)
    case null
    case array([SandboxJSON])
    case object([String: SandboxJSON])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([SandboxJSON].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: SandboxJSON].self))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .number(let value):
            if value == value.rounded() && abs(value) < 1e15 { try container.encode(Int64(value)) } else { try container.encode(value) }
        case .bool(let value): try container.encode(value)
        case .null: try container.encodeNil()
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// A field value as the SOQL evaluator compares it; `YYYY-MM-DD` strings are dates.
    var soqlValue: SOQLValue {
        switch self {
        case .string(let text):
            let chars = Array(text)
            if chars.count == 10, chars[4] == "-", chars[7] == "-",
                let year = Int(String(chars[0..<4])), let month = Int(String(chars[5..<7])), let day = Int(String(chars[8..<10]))
            {
                return .date(year: year, month: month, day: day)
            }
            return .string(text)
        case .number(let value): return .number(value)
        case .bool(let value): return .boolean(value)
        case .null, .array, .object: return .null
        }
    }

    init(_ value: SOQLValue) {
        switch value {
        case .string(let text): self = .string(text)
        case .number(let number): self = .number(number)
        case .boolean(let flag): self = .bool(flag)
        case .null: self = .null
        case .date, .dateTime: self = .string(value.soql)
        }
    }
}
