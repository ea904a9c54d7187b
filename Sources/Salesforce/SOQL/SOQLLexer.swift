/// A token of SOQL text, with the offset where it starts (for error messages).
struct SOQLToken: Equatable {
    enum Kind: Equatable {
        case identifier(String)
        case string(String)
        case number(Double)
        case date(year: Int, month: Int, day: Int)
        case dateTime(String)
        case symbol(String)
        case end
    }

    let kind: Kind
    let offset: Int
    /// For a string literal, its text as a LIKE pattern (`SOQLCondition.like`).
    var likePattern: String? = nil

    /// How the token reads in an error message.
    var display: String {
        switch kind {
        case .identifier(let name): name
        case .string(let text): "'\(text)'"
        case .number(let value): SOQLValue.number(value).soql
        case let .date(year, month, day): SOQLValue.date(year: year, month: month, day: day).soql
        case .dateTime(let text): text
        case .symbol(let symbol): symbol
        case .end: "end of query"
        }
    }

    func isKeyword(_ word: String) -> Bool {
        if case .identifier(let name) = kind { return name.uppercased() == word }
        return false
    }
}

/// Splits SOQL text into tokens.
///
/// Reads Unicode scalars, not Swift `Character`s: Salesforce ends a string literal at the quote
/// scalar, so a quote followed by a combining mark (one grapheme, `'\u{301}`) must end it here
/// too, or the dialer would send a query whose literal Salesforce reads differently.
enum SOQLLexer {
    static func tokens(_ text: String) throws(SOQLSyntaxError) -> [SOQLToken] {
        let chars = Array(text.unicodeScalars)
        var tokens: [SOQLToken] = []
        var index = 0
        func isDigit(_ c: Unicode.Scalar) -> Bool { c.isASCII && ("0"..."9").contains(c) }
        func isNameStart(_ c: Unicode.Scalar) -> Bool { c.properties.isAlphabetic || c == "_" }
        while index < chars.count {
            let c = chars[index]
            let start = index
            if c.properties.isWhitespace {
                index += 1
            } else if isNameStart(c) {
                while index < chars.count, isNameStart(chars[index]) || isDigit(chars[index]) || chars[index] == "." {
                    index += 1
                }
                tokens.append(SOQLToken(kind: .identifier(scalars(chars[start..<index])), offset: start))
            } else if c == "'" {
                index += 1
                // The value, unescaped, and the same literal as a LIKE pattern, where `\%` and
                // `\_` stay escaped (a literal percent is not a wildcard) and so does `\\`.
                var value = String.UnicodeScalarView()
                var pattern = String.UnicodeScalarView()
                var closed = false
                while index < chars.count {
                    let d = chars[index]
                    if d == "\\" {
                        guard index + 1 < chars.count else { break }
                        let escaped = chars[index + 1]
                        switch escaped {
                        case "n":
                            value.append("\n")
                            pattern.append("\n")
                        case "r":
                            value.append("\r")
                            pattern.append("\r")
                        case "t":
                            value.append("\t")
                            pattern.append("\t")
                        case "'", "\"":
                            value.append(escaped)
                            pattern.append(escaped)
                        case "\\", "%", "_":
                            value.append(escaped)
                            pattern.append("\\")
                            pattern.append(escaped)
                        default: throw SOQLSyntaxError("invalid escape sequence '\\\(escaped)'", at: index)
                        }
                        index += 2
                    } else if d == "'" {
                        index += 1
                        closed = true
                        break
                    } else {
                        value.append(d)
                        pattern.append(d)
                        index += 1
                    }
                }
                guard closed else { throw SOQLSyntaxError("unterminated string literal", at: start) }
                tokens.append(SOQLToken(kind: .string(String(value)), offset: start, likePattern: String(pattern)))
            } else if isDigit(c) || (c == "-" && index + 1 < chars.count && isDigit(chars[index + 1])) {
                index += 1
                while index < chars.count, isDigit(chars[index]) || ".-:TZ+".unicodeScalars.contains(chars[index]) {
                    index += 1
                }
                tokens.append(SOQLToken(kind: try literal(scalars(chars[start..<index]), at: start), offset: start))
            } else {
                let two = index + 1 < chars.count ? scalars(chars[index...index + 1]) : ""
                if ["!=", "<>", "<=", ">="].contains(two) {
                    tokens.append(SOQLToken(kind: .symbol(two == "<>" ? "!=" : two), offset: start))
                    index += 2
                } else if "(),=<>".unicodeScalars.contains(c) {
                    tokens.append(SOQLToken(kind: .symbol(String(c)), offset: start))
                    index += 1
                } else {
                    throw SOQLSyntaxError("unexpected character '\(c.escaped(asASCII: true))'", at: start)
                }
            }
        }
        tokens.append(SOQLToken(kind: .end, offset: chars.count))
        return tokens
    }

    private static func scalars(_ slice: ArraySlice<Unicode.Scalar>) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: slice)
        return String(view)
    }

    /// A number, a date (`2026-11-24`) or a dateTime (`2026-11-24T08:00:00Z`, or with an
    /// offset such as `+01:00`, optionally with fractional seconds).
    static func literal(_ text: String, at offset: Int) throws(SOQLSyntaxError) -> SOQLToken.Kind {
        let chars = Array(text)
        func digits(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= chars.count, range.allSatisfy({ chars[$0].isASCII && chars[$0].isNumber }) else { return nil }
            return Int(String(chars[range]))
        }
        let looksLikeDate = chars.count >= 10 && chars[4] == "-" && chars[7] == "-"
        guard looksLikeDate else {
            guard let value = Double(text), text.allSatisfy({ $0.isNumber || $0 == "." || $0 == "-" }) else {
                throw SOQLSyntaxError("invalid number '\(text)'", at: offset)
            }
            return .number(value)
        }
        guard let year = digits(0..<4), let month = digits(5..<7), let day = digits(8..<10),
            (1...12).contains(month), (1...31).contains(day)
        else { throw SOQLSyntaxError("invalid date literal '\(text)'", at: offset) }
        if chars.count == 10 { return .date(year: year, month: month, day: day) }

        // hh:mm:ss after the T, then optional .fraction, then Z or ±hh:mm.
        guard chars.count >= 20, chars[10] == "T", digits(11..<13) != nil, chars[13] == ":",
            digits(14..<16) != nil, chars[16] == ":", digits(17..<19) != nil
        else { throw SOQLSyntaxError("invalid dateTime literal '\(text)'", at: offset) }
        var index = 19
        if chars[index] == "." {
            index += 1
            while index < chars.count, chars[index].isNumber { index += 1 }
        }
        let zone = String(chars[index...])
        let zoneChars = Array(zone)
        let validZone =
            zone == "Z"
            || (zoneChars.count == 6 && (zoneChars[0] == "+" || zoneChars[0] == "-") && zoneChars[3] == ":"
                && [1, 2, 4, 5].allSatisfy { zoneChars[$0].isNumber })
        guard validZone else { throw SOQLSyntaxError("invalid dateTime literal '\(text)'", at: offset) }
        return .dateTime(text)
    }
}

/// SOQL that is not in the supported subset, or not SOQL at all. The message reads like
/// Salesforce's MALFORMED_QUERY text.
public struct SOQLSyntaxError: Error, Equatable, CustomStringConvertible {
    public let message: String
    /// Character offset into the query text.
    public let offset: Int

    init(_ message: String, at offset: Int) {
        self.message = message
        self.offset = offset
    }

    public var description: String { "\(message) at character \(offset + 1)" }
}
