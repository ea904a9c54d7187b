/// Splits a SQL file into its statements, so a migration can run statement by statement in
/// one transaction over the extended protocol (which takes one statement per message).
///
/// Semicolons inside 'strings', "identifiers", $tag$ dollar quotes $tag$, -- line comments and
/// /* nested block comments */ do not split. Statements that are only comments are dropped.
public enum SQLScript {
    public static func statements(_ sql: String) -> [String] {
        let chars = Array(sql.unicodeScalars)
        var statements: [String] = []
        var current = String.UnicodeScalarView()
        var hasCode = false
        var index = 0

        func flush() {
            let text = String(current).trimmingWhitespace()
            if hasCode && !text.isEmpty { statements.append(text) }
            current = String.UnicodeScalarView()
            hasCode = false
        }
        func copy(_ count: Int) {
            current.append(contentsOf: chars[index..<min(index + count, chars.count)])
            index += count
        }
        func startsWith(_ text: String, at position: Int) -> Bool {
            let scalars = Array(text.unicodeScalars)
            guard position + scalars.count <= chars.count else { return false }
            return Array(chars[position..<position + scalars.count]) == scalars
        }

        while index < chars.count {
            let c = chars[index]
            if c == "-" && startsWith("--", at: index) {
                while index < chars.count && chars[index] != "\n" { copy(1) }
            } else if c == "/" && startsWith("/*", at: index) {
                var depth = 0
                repeat {
                    if startsWith("/*", at: index) {
                        depth += 1
                        copy(2)
                    } else if startsWith("*/", at: index) {
                        depth -= 1
                        copy(2)
                    } else {
                        copy(1)
                    }
                } while depth > 0 && index < chars.count
            } else if c == "'" || c == "\"" {
                hasCode = true
                copy(1)
                while index < chars.count {
                    if chars[index] == c {
                        // A doubled quote is an escaped quote, not the end.
                        if index + 1 < chars.count && chars[index + 1] == c {
                            copy(2)
                            continue
                        }
                        copy(1)
                        break
                    }
                    copy(1)
                }
            } else if c == "$", let tag = dollarTag(chars, at: index) {
                hasCode = true
                copy(tag.count)
                while index < chars.count && !startsWith(tag, at: index) { copy(1) }
                copy(tag.count)
            } else if c == ";" {
                index += 1
                flush()
            } else {
                if !c.properties.isWhitespace { hasCode = true }
                copy(1)
            }
        }
        flush()
        return statements
    }

    /// `$$` or `$name$` starting at `position`, if one does (and not a `$1` parameter).
    static func dollarTag(_ chars: [Unicode.Scalar], at position: Int) -> String? {
        var end = position + 1
        while end < chars.count,
            chars[end] == "_" || chars[end].properties.isAlphabetic
                || (end > position + 1 && ("0"..."9").contains(chars[end]))
        {
            end += 1
        }
        guard end < chars.count, chars[end] == "$" else { return nil }
        return String(String.UnicodeScalarView(chars[position...end]))
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }
}
