#if canImport(Salesforce)
import Salesforce
#endif

/// Answers a parsed SOQL query over in-memory records the way Salesforce would, for the Sandbox
/// Salesforce server.
///
/// Salesforce semantics that differ from SQL, and that the dialer's filters rely on:
/// - null is an ordinary value, not "unknown": `= null` matches nulls, and `!= 'x'` and
///   `NOT IN ('x')` match records where the field is null. Ordering comparisons (`<` …) and
///   `LIKE` never match null.
/// - Text compares case-insensitively everywhere: `=`, `!=`, `IN`, `LIKE`, `<`…, ORDER BY.
/// - Comparing a dateTime with a date compares the dateTime's UTC day with the date.
///
/// Type mismatches: Salesforce rejects a query that compares, say, a text field with a number.
/// The Sandbox knows no field types, so such a predicate is simply false (`=`, `!=`, `<`,
/// `IN`, `NOT IN` alike) and `NOT` of it true. Booleans support only `=` and `!=`.
public enum SOQLEvaluator {
    /// Whether `record` satisfies `condition`.
    public static func matches(_ condition: SOQLCondition, _ record: SandboxRecord) -> Bool {
        switch condition {
        case .and(let terms):
            return terms.allSatisfy { matches($0, record) }
        case .or(let terms):
            return terms.contains { matches($0, record) }
        case .not(let term):
            return !matches(term, record)
        case let .comparison(field, comparison, literal):
            return compare(record[field], comparison, literal)
        case let .valueIn(field, values, negated):
            let value = record[field]
            // NOT IN needs every value known to differ, so a type mismatch fails it as it fails IN,
            // while a null field is NOT IN any list without null in it, as in Salesforce.
            return negated
                ? values.allSatisfy { equal(value, $0) == false }
                : values.contains { equal(value, $0) == true }
        case let .like(field, pattern):
            guard case .string(let text) = record[field] else { return false }
            return like(text, pattern)
        }
    }

    /// A Salesforce INVALID_FIELD message for the first field (in SELECT, then WHERE, then
    /// ORDER BY order, as Salesforce reports it) that `knownFields` lacks, compared
    /// case-insensitively; nil when every field is known.
    ///
    /// Relationship paths (`Account.Name`) must be listed in `knownFields` as written. Salesforce
    /// prefixes the message with the query and the error's row and column; the AST has no
    /// positions, so only the message proper is returned.
    public static func validate(_ query: SOQLQuery, knownFields: Set<String>) -> String? {
        let known = Set(knownFields.map { $0.lowercased() })
        let named = query.fields + (query.condition.map(fieldNames) ?? []) + query.orderBy.map(\.field)
        guard let unknown = named.first(where: { !known.contains($0.lowercased()) }) else { return nil }
        let appendix = "Please reference your WSDL or the describe call for the appropriate names."
        if let dot = unknown.lastIndex(of: ".") {
            let path = unknown[..<dot].lowercased() + "."
            // A known relationship with an unknown field on it is a missing column on the related
            // entity; anything else is a relationship Salesforce does not recognise.
            if known.contains(where: { $0.hasPrefix(path) }) {
                let relationship = unknown[..<dot].split(separator: ".").last.map(String.init) ?? ""
                return noSuchColumn(String(unknown[unknown.index(after: dot)...]), relationship, appendix)
            }
            let first = unknown.split(separator: ".").first.map(String.init) ?? unknown
            return "Didn't understand relationship '\(first)' in field path. If you are attempting to use a custom "
                + "relationship, be sure to append the '__r' after the custom relationship name. \(appendix)"
        }
        return noSuchColumn(unknown, query.object, appendix)
    }

    /// The records of the query's object that match its condition, ordered by ORDER BY, then
    /// paged by OFFSET and LIMIT. Without ORDER BY, records keep their input order.
    ///
    /// Ordering follows Salesforce: ascending puts nulls first and descending puts them last
    /// unless NULLS FIRST/LAST says otherwise; text sorts case-insensitively; ties keep input order.
    public static func run(_ query: SOQLQuery, over records: [SandboxRecord]) -> [SandboxRecord] {
        let object = query.object.lowercased()
        var rows = records.filter { record in
            record.type.lowercased() == object && (query.condition.map { matches($0, record) } ?? true)
        }
        if !query.orderBy.isEmpty {
            // Look each sort key up once: field access scans the record's keys case-insensitively.
            let keys = rows.map { row in query.orderBy.map { row[$0.field] } }
            let order = rows.indices.sorted { i, j in
                for (k, ordering) in query.orderBy.enumerated() {
                    let result = sortOrder(keys[i][k], keys[j][k], ordering)
                    if result != 0 { return result < 0 }
                }
                return i < j  // Array.sort is not documented stable, so ties fall back to input order.
            }
            rows = order.map { rows[$0] }
        }
        let page = rows.dropFirst(query.offset ?? 0)
        return Array(query.limit.map { page.prefix($0) } ?? page)
    }

    // MARK: - Comparison

    static func compare(_ value: SOQLValue, _ comparison: SOQLComparison, _ literal: SOQLValue) -> Bool {
        switch comparison {
        case .equal: return equal(value, literal) == true
        case .notEqual: return equal(value, literal) == false
        case .less, .lessOrEqual, .greater, .greaterOrEqual:
            if case .boolean = value { return false }
            guard let order = order(value, literal) else { return false }
            switch comparison {
            case .less: return order < 0
            case .lessOrEqual: return order <= 0
            case .greater: return order > 0
            default: return order >= 0
            }
        }
    }

    /// Whether two values are equal; nil when their types cannot be compared. Null equals only null.
    static func equal(_ a: SOQLValue, _ b: SOQLValue) -> Bool? {
        switch (a, b) {
        case (.null, .null): true
        case (.null, _), (_, .null): false
        default: order(a, b).map { $0 == 0 }
        }
    }

    /// -1, 0 or 1 for two non-null values of comparable types; nil otherwise (nulls, mismatched
    /// types, unparseable dateTimes).
    static func order(_ a: SOQLValue, _ b: SOQLValue) -> Int? {
        switch (a, b) {
        case let (.string(x), .string(y)): sign(x.lowercased(), y.lowercased())
        case let (.number(x), .number(y)): sign(x, y)
        case let (.boolean(x), .boolean(y)): sign(x ? 1 : 0, y ? 1 : 0)
        case let (.date(y1, m1, d1), .date(y2, m2, d2)): sign(dayNumber(y1, m1, d1), dayNumber(y2, m2, d2))
        case let (.dateTime(x), .dateTime(y)): SOQLInstant(x).flatMap { x in SOQLInstant(y).map { sign(x, $0) } }
        case let (.dateTime(x), .date(year, month, day)):
            SOQLInstant(x).map { sign($0.utcDay, dayNumber(year, month, day)) }
        case (.date, .dateTime): order(b, a).map { -$0 }
        default: nil
        }
    }

    static func sign<T: Comparable>(_ a: T, _ b: T) -> Int { a < b ? -1 : (a == b ? 0 : 1) }

    // MARK: - Sorting

    /// A total order for ORDER BY, whatever mix of values a field holds.
    static func sortOrder(_ a: SOQLValue, _ b: SOQLValue, _ ordering: SOQLOrdering) -> Int {
        let nullsFirst = ordering.nullsFirst ?? !ordering.descending
        switch (a, b) {
        case (.null, .null): return 0
        case (.null, _): return nullsFirst ? -1 : 1
        case (_, .null): return nullsFirst ? 1 : -1
        default:
            let result = sortOrder(a, b)
            return ordering.descending ? -result : result
        }
    }

    static func sortOrder(_ a: SOQLValue, _ b: SOQLValue) -> Int {
        let (rankA, rankB) = (sortRank(a), sortRank(b))
        if rankA != rankB { return sign(rankA, rankB) }
        // Dates sort at their UTC midnight among dateTimes: comparing by day, as filters do,
        // would make a date "equal" to two different dateTimes and break the sort's ordering.
        if let x = sortInstant(a), let y = sortInstant(b) { return sign(x, y) }
        if case let (.dateTime(x), .dateTime(y)) = (a, b) { return sign(x, y) }
        return order(a, b) ?? 0
    }

    /// Mixed types should not occur in one field; this just keeps the order total if they do.
    static func sortRank(_ value: SOQLValue) -> Int {
        switch value {
        case .null: 0
        case .boolean: 1
        case .number: 2
        case .date: 3
        case .dateTime(let text): SOQLInstant(text) == nil ? 5 : 3
        case .string: 4
        }
    }

    static func sortInstant(_ value: SOQLValue) -> SOQLInstant? {
        switch value {
        case let .date(year, month, day): SOQLInstant(seconds: dayNumber(year, month, day) * 86_400, nanoseconds: 0)
        case .dateTime(let text): SOQLInstant(text)
        default: nil
        }
    }

    // MARK: - LIKE

    /// SOQL LIKE: `%` matches any run of characters, `_` exactly one, `\%`, `\_` and `\\` the
    /// character itself, everything else itself, case-insensitively. The pattern must match
    /// the whole text.
    static func like(_ text: String, _ pattern: String) -> Bool {
        enum Element: Equatable {
            case anyRun, anyOne
            case literal(String)
        }
        var elements: [Element] = []
        var scalars = pattern.unicodeScalars.makeIterator()
        while let scalar = scalars.next() {
            switch scalar {
            case "%": elements.append(.anyRun)
            case "_": elements.append(.anyOne)
            case "\\": elements.append(.literal(String(scalars.next() ?? "\\")))
            default: elements.append(.literal(String(scalar).lowercased()))
            }
        }
        let text = text.unicodeScalars.map { String($0).lowercased() }
        var (t, p) = (0, 0)
        // The last % seen and the text position it is currently taken to end at: on a mismatch
        // the % swallows one more character and matching resumes after it.
        var star: (pattern: Int, text: Int)?
        while t < text.count {
            if p < elements.count, elements[p] == .anyRun {
                star = (p, t)
                p += 1
            } else if p < elements.count, elements[p] == .anyOne || elements[p] == .literal(text[t]) {
                t += 1
                p += 1
            } else if let last = star {
                star = (last.pattern, last.text + 1)
                (p, t) = (last.pattern + 1, last.text + 1)
            } else {
                return false
            }
        }
        while p < elements.count, elements[p] == .anyRun { p += 1 }
        return p == elements.count
    }

    // MARK: - Helpers

    static func fieldNames(_ condition: SOQLCondition) -> [String] {
        switch condition {
        case .and(let terms), .or(let terms): terms.flatMap(fieldNames)
        case .not(let term): fieldNames(term)
        case .comparison(let field, _, _), .valueIn(let field, _, _), .like(let field, _): [field]
        }
    }

    static func noSuchColumn(_ field: String, _ entity: String, _ appendix: String) -> String {
        "No such column '\(field)' on entity '\(entity)'. If you are attempting to use a custom field, "
            + "be sure to append the '__c' after the custom field name. \(appendix)"
    }

    /// Days since 1970-01-01 in the proleptic Gregorian calendar (Howard Hinnant's
    /// days_from_civil), so dates and dateTimes compare without Foundation calendars.
    static func dayNumber(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * ((month + 9) % 12) + 2) / 5 + day - 1
        return era * 146_097 + yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear - 719_468
    }
}

/// A point in time parsed from an ISO 8601 dateTime, exact to the nanosecond so equal instants
/// written differently (`08:00:00Z`, `09:00:00.000+01:00`) compare equal.
struct SOQLInstant: Comparable {
    var seconds: Int
    var nanoseconds: Int

    init(seconds: Int, nanoseconds: Int) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }

    /// `YYYY-MM-DDThh:mm:ss[.fraction][Z|±hh:mm|±hhmm]`. The `±hhmm` form is what Salesforce
    /// itself writes (`.000+0000`), so records copied from real responses parse too; a missing
    /// zone is read as UTC.
    init?(_ text: String) {
        let chars = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= chars.count else { return nil }
            var value = 0
            for index in range {
                guard (48...57).contains(chars[index]) else { return nil }
                value = value * 10 + Int(chars[index] - 48)
            }
            return value
        }
        func isByte(_ index: Int, _ ascii: Unicode.Scalar) -> Bool { index < chars.count && chars[index] == UInt8(ascii: ascii) }
        guard let year = number(0..<4), isByte(4, "-"), let month = number(5..<7), isByte(7, "-"),
            let day = number(8..<10), isByte(10, "T"), let hour = number(11..<13), isByte(13, ":"),
            let minute = number(14..<16), isByte(16, ":"), let second = number(17..<19),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var index = 19
        var nanoseconds = 0
        if isByte(index, ".") {
            index += 1
            var scale = 100_000_000
            while let digit = number(index..<index + 1) {
                nanoseconds += digit * scale
                scale /= 10
                index += 1
            }
        }
        var offset = 0
        if isByte(index, "+") || isByte(index, "-") {
            let colon = isByte(index + 3, ":") ? 1 : 0
            guard let hours = number(index + 1..<index + 3),
                let minutes = number(index + 3 + colon..<index + 5 + colon),
                index + 5 + colon == chars.count
            else { return nil }
            offset = (hours * 60 + minutes) * 60 * (isByte(index, "-") ? -1 : 1)
        } else if !(index == chars.count || (isByte(index, "Z") && index + 1 == chars.count)) {
            return nil
        }
        let days = SOQLEvaluator.dayNumber(year, month, day)
        self.init(seconds: days * 86_400 + hour * 3_600 + minute * 60 + second - offset, nanoseconds: nanoseconds)
    }

    /// The day, in days since 1970-01-01, that this instant falls on in UTC.
    var utcDay: Int { seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400 }

    static func < (a: SOQLInstant, b: SOQLInstant) -> Bool {
        (a.seconds, a.nanoseconds) < (b.seconds, b.nanoseconds)
    }
}
