/// Parses the SOQL subset of `SOQLQuery`: anything outside it is a `SOQLSyntaxError`,
/// never a silently different query.
///
/// Precedence, as in Salesforce: NOT binds tighter than AND, AND tighter than OR.
public enum SOQLParser {
    /// A whole `SELECT … FROM …` query.
    public static func parseQuery(_ text: String) throws(SOQLSyntaxError) -> SOQLQuery {
        var parser = Parser(tokens: try SOQLLexer.tokens(text))
        let query = try parser.query()
        try parser.expectEnd()
        return query
    }

    /// A WHERE condition on its own, as `dialer campaign create --where` takes it.
    public static func parseCondition(_ text: String) throws(SOQLSyntaxError) -> SOQLCondition {
        var parser = Parser(tokens: try SOQLLexer.tokens(text))
        let condition = try parser.condition()
        try parser.expectEnd()
        return condition
    }

    static let reserved: Set<String> = [
        "SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "LIKE", "ORDER", "BY", "ASC", "DESC",
        "NULLS", "FIRST", "LAST", "LIMIT", "OFFSET", "NULL", "TRUE", "FALSE",
    ]

    struct Parser {
        let tokens: [SOQLToken]
        var position = 0

        var current: SOQLToken { tokens[position] }

        mutating func advance() { if position < tokens.count - 1 { position += 1 } }

        func unexpected(_ expected: String? = nil) -> SOQLSyntaxError {
            let found = current.kind == .end ? "end of query" : "'\(current.display)'"
            return SOQLSyntaxError("unexpected token: \(found)\(expected.map { ", expecting \($0)" } ?? "")", at: current.offset)
        }

        mutating func keyword(_ word: String) -> Bool {
            guard current.isKeyword(word) else { return false }
            advance()
            return true
        }

        mutating func expectKeyword(_ word: String) throws(SOQLSyntaxError) {
            guard keyword(word) else { throw unexpected(word) }
        }

        mutating func symbol(_ symbol: String) -> Bool {
            guard current.kind == .symbol(symbol) else { return false }
            advance()
            return true
        }

        mutating func expectSymbol(_ symbol: String) throws(SOQLSyntaxError) {
            guard self.symbol(symbol) else { throw unexpected("'\(symbol)'") }
        }

        func expectEnd() throws(SOQLSyntaxError) {
            guard current.kind == .end else { throw unexpected() }
        }

        /// A field or object name: an identifier that is not a reserved word.
        mutating func name(_ what: String) throws(SOQLSyntaxError) -> String {
            guard case .identifier(let name) = current.kind, !SOQLParser.reserved.contains(name.uppercased()),
                !name.hasSuffix("."), !name.hasPrefix("."), !name.contains("..")
            else { throw unexpected(what) }
            advance()
            return name
        }

        mutating func query() throws(SOQLSyntaxError) -> SOQLQuery {
            try expectKeyword("SELECT")
            var fields = [try name("a field name")]
            while symbol(",") { fields.append(try name("a field name")) }
            try expectKeyword("FROM")
            var query = SOQLQuery(fields: fields, object: try name("an object name"))
            if keyword("WHERE") { query.condition = try condition() }
            if keyword("ORDER") {
                try expectKeyword("BY")
                repeat {
                    var ordering = SOQLOrdering(field: try name("a field name"))
                    if keyword("DESC") { ordering.descending = true } else { _ = keyword("ASC") }
                    if keyword("NULLS") {
                        if keyword("FIRST") {
                            ordering.nullsFirst = true
                        } else {
                            try expectKeyword("LAST")
                            ordering.nullsFirst = false
                        }
                    }
                    query.orderBy.append(ordering)
                } while symbol(",")
            }
            if keyword("LIMIT") { query.limit = try count("LIMIT") }
            if keyword("OFFSET") { query.offset = try count("OFFSET") }
            return query
        }

        mutating func count(_ clause: String) throws(SOQLSyntaxError) -> Int {
            guard case .number(let value) = current.kind, value >= 0, value == value.rounded(), value < 1e9 else {
                throw unexpected("a whole number after \(clause)")
            }
            advance()
            return Int(value)
        }

        mutating func condition() throws(SOQLSyntaxError) -> SOQLCondition {
            var terms = [try conjunction()]
            while keyword("OR") { terms.append(try conjunction()) }
            return terms.count == 1 ? terms[0] : .or(terms)
        }

        mutating func conjunction() throws(SOQLSyntaxError) -> SOQLCondition {
            var terms = [try negation()]
            while keyword("AND") { terms.append(try negation()) }
            return terms.count == 1 ? terms[0] : .and(terms)
        }

        mutating func negation() throws(SOQLSyntaxError) -> SOQLCondition {
            if keyword("NOT") { return .not(try negation()) }
            if symbol("(") {
                let inner = try condition()
                try expectSymbol(")")
                return inner
            }
            return try predicate()
        }

        mutating func predicate() throws(SOQLSyntaxError) -> SOQLCondition {
            let field = try name("a field name")
            if keyword("LIKE") {
                guard case .string = current.kind, let pattern = current.likePattern else { throw unexpected("a string after LIKE") }
                advance()
                return .like(field: field, pattern: pattern)
            }
            let negated = keyword("NOT")
            if negated || current.isKeyword("IN") {
                try expectKeyword("IN")
                try expectSymbol("(")
                var values = [try value()]
                while symbol(",") { values.append(try value()) }
                try expectSymbol(")")
                return .valueIn(field: field, values, negated: negated)
            }
            guard case .symbol(let text) = current.kind, let comparison = SOQLComparison(rawValue: text) else {
                throw unexpected("an operator (= != < <= > >= IN NOT IN LIKE)")
            }
            advance()
            return .comparison(field: field, comparison, try value())
        }

        mutating func value() throws(SOQLSyntaxError) -> SOQLValue {
            let value: SOQLValue
            switch current.kind {
            case .string(let text): value = .string(text)
            case .number(let number): value = .number(number)
            case let .date(year, month, day): value = .date(year: year, month: month, day: day)
            case .dateTime(let text): value = .dateTime(text)
            case .identifier(let word) where word.uppercased() == "NULL": value = .null
            case .identifier(let word) where word.uppercased() == "TRUE": value = .boolean(true)
            case .identifier(let word) where word.uppercased() == "FALSE": value = .boolean(false)
            default: throw unexpected("a value")
            }
            advance()
            return value
        }
    }
}
