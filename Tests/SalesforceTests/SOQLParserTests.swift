import Salesforce
import Testing

@Suite struct SOQLParserTests {
    @Test func parsesAFullQueryWithEveryClause() throws {
        let query = try SOQLParser.parseQuery(
            """
            select Id, FirstName, Account.Name from Contact
            where (MailingState = 'CA' or MailingState IN ('OR', 'WA')) and not DoNotCall = true
              and CreatedDate >= 2026-01-01T00:00:00Z and Birthdate < 2000-02-29 and LastName like 'O\\'Br%'
              and Score__c > -1.5 and MobilePhone != null and AccountId not in ('001000000000001AAA')
            order by LastName desc nulls last, Id limit 500 offset 10
            """
        )
        #expect(query.fields == ["Id", "FirstName", "Account.Name"])
        #expect(query.object == "Contact")
        #expect(query.limit == 500 && query.offset == 10)
        #expect(query.orderBy == [SOQLOrdering(field: "LastName", descending: true, nullsFirst: false), SOQLOrdering(field: "Id")])
        guard case .and(let terms) = query.condition else {
            Issue.record("top level must be AND: \(String(describing: query.condition))")
            return
        }
        #expect(terms.count == 8)
        #expect(
            terms[0]
                == .or([
                    .comparison(field: "MailingState", .equal, .string("CA")),
                    .valueIn(field: "MailingState", [.string("OR"), .string("WA")], negated: false),
                ])
        )
        #expect(terms[1] == .not(.comparison(field: "DoNotCall", .equal, .boolean(true))))
        #expect(terms[2] == .comparison(field: "CreatedDate", .greaterOrEqual, .dateTime("2026-01-01T00:00:00Z")))
        #expect(terms[3] == .comparison(field: "Birthdate", .less, .date(year: 2000, month: 2, day: 29)))
        #expect(terms[4] == .like(field: "LastName", pattern: "O'Br%"))
        #expect(terms[5] == .comparison(field: "Score__c", .greater, .number(-1.5)))
        #expect(terms[6] == .comparison(field: "MobilePhone", .notEqual, .null))
        #expect(terms[7] == .valueIn(field: "AccountId", [.string("001000000000001AAA")], negated: true))
    }

    @Test func andBindsTighterThanOrAndNotTighterThanAnd() throws {
        let condition = try SOQLParser.parseCondition("A = 1 OR NOT B = 2 AND C = 3")
        #expect(
            condition
                == .or([
                    .comparison(field: "A", .equal, .number(1)),
                    .and([.not(.comparison(field: "B", .equal, .number(2))), .comparison(field: "C", .equal, .number(3))]),
                ])
        )
    }

    @Test func rendersCanonicalSOQLThatParsesBackToTheSameQuery() throws {
        let texts = [
            "SELECT Id FROM Contact WHERE (A = 'x' OR B = 'y') AND NOT (C IN (1, 2.5) OR D LIKE 'it\\'s%')",
            "SELECT Id, Name FROM Task WHERE CallObject = 'CA123' ORDER BY CreatedDate DESC NULLS FIRST LIMIT 1",
            "SELECT Id FROM Contact WHERE Note__c = 'a\\\\b\\nc' AND D = 2026-11-24 AND T <> 2026-11-24T08:00:00.000+01:00",
        ]
        for text in texts {
            let query = try SOQLParser.parseQuery(text)
            #expect(try SOQLParser.parseQuery(query.soql) == query, "\(query.soql)")
        }
        let rendered = try SOQLParser.parseQuery(texts[1]).soql
        #expect(rendered == "SELECT Id, Name FROM Task WHERE CallObject = 'CA123' ORDER BY CreatedDate DESC NULLS FIRST LIMIT 1")
        let quoted = SOQLQuery(fields: ["Id"], object: "Contact", condition: .comparison(field: "LastName", .equal, .string("O'Brien\\")))
        #expect(quoted.soql == "SELECT Id FROM Contact WHERE LastName = 'O\\'Brien\\\\'")
        #expect(try SOQLParser.parseQuery(quoted.soql) == quoted)
    }

    @Test func aWhereFilterCannotSmuggleInAnotherClauseOrQuery() {
        for filter in [
            "MailingState = 'CA' LIMIT 1",
            "MailingState = 'CA') OR (Id != null",
            "MailingState = 'CA'; DELETE Contact",
            "MailingState = 'CA' ORDER BY Id",
            "Id IN (SELECT ContactId FROM CampaignMember)",
        ] {
            #expect(throws: SOQLSyntaxError.self, "\(filter)") { try SOQLParser.parseCondition(filter) }
        }
    }

    @Test func malformedQueriesSayWhatAndWhere() {
        let cases: [(String, String)] = [
            ("SELECT FROM Contact", "unexpected token: 'FROM', expecting a field name"),
            ("SELECT Id Contact", "unexpected token: 'Contact', expecting FROM"),
            ("SELECT Id FROM Contact WHERE", "unexpected token: end of query, expecting a field name"),
            ("SELECT Id FROM Contact WHERE Name = 'open", "unterminated string literal"),
            ("SELECT Id FROM Contact WHERE Name == 'x'", "unexpected token: '=', expecting a value"),
            ("SELECT Id FROM Contact WHERE Created > 2026-13-01", "invalid date literal '2026-13-01'"),
            ("SELECT Id FROM Contact LIMIT -1", "unexpected token: '-1', expecting a whole number after LIMIT"),
            ("SELECT Id FROM Contact WHERE Name = 'x' AND", "unexpected token: end of query, expecting a field name"),
            ("SELECT Id FROM Contact WHERE Name ~ 'x'", "unexpected character '~'"),
        ]
        for (text, message) in cases {
            do {
                _ = try SOQLParser.parseQuery(text)
                Issue.record("accepted: \(text)")
            } catch {
                #expect(error.message == message, "\(text)")
            }
        }
        do {
            _ = try SOQLParser.parseQuery("SELECT Id FROM Contact WHERE Name == 'x'")
        } catch {
            #expect(error.offset == 35)
            #expect(error.description == "unexpected token: '=', expecting a value at character 36")
        }
    }

    /// Non-ASCII scalars spelled out, so a combining mark shows in a comparison.
    static func visible(_ text: String) -> String {
        text.unicodeScalars.map { $0.isASCII ? String($0) : "\\u{\(String($0.value, radix: 16))}" }.joined()
    }

    /// Salesforce ends a literal at a quote scalar; a quote followed by a combining mark is one
    /// Swift `Character`, which must not hide it.
    @Test func aQuoteFollowedByACombiningMarkEndsTheLiteralAndIsEscapedWhenRendered() throws {
        // Read as Salesforce would: the literal is 'x', then a stray mark and a second clause.
        #expect(throws: SOQLSyntaxError.self) { try SOQLParser.parseCondition("LastName = 'x'\u{301} OR Id != null") }
        let smuggled = SOQLCondition.comparison(field: "LastName", .equal, .string("x'\u{301} OR Id != null"))
        let rendered = smuggled.soql
        // Every quote scalar but the two delimiters is escaped.
        let scalars = Array(rendered.unicodeScalars)
        let bareQuotes = scalars.indices.filter { scalars[$0] == "'" && ($0 == 0 || scalars[$0 - 1] != "\\") }
        #expect(bareQuotes.count == 2, "\(Self.visible(rendered))")
        #expect(try SOQLParser.parseCondition(rendered) == smuggled)
        let like = SOQLCondition.like(field: "LastName", pattern: "x'\u{301}%")
        #expect(Array(like.soql.unicodeScalars).filter { $0 == "'" }.count == 3)
        #expect(Self.visible(like.soql) == #"LastName LIKE 'x\'\u{301}%'"#)
    }

    /// `\%` in a LIKE pattern is a literal percent; rendering it as `%` would make it a wildcard.
    @Test func anEscapedPercentOrUnderscoreInALikePatternStaysEscaped() throws {
        let condition = try SOQLParser.parseCondition(#"Name LIKE 'ab\%' AND Code__c LIKE 'a\_b%' AND Path__c LIKE 'c:\\%'"#)
        #expect(condition.soql == #"Name LIKE 'ab\%' AND Code__c LIKE 'a\_b%' AND Path__c LIKE 'c:\\%'"#)
        #expect(try SOQLParser.parseCondition(condition.soql) == condition)
        // Outside LIKE the same escapes are plain characters.
        #expect(try SOQLParser.parseCondition(#"Name = 'ab\%'"#) == .comparison(field: "Name", .equal, .string("ab%")))
        // A pattern built in code with a lone backslash cannot escape the closing quote.
        #expect(SOQLCondition.like(field: "Name", pattern: #"ab\"#).soql == #"Name LIKE 'ab\\'"#)
    }

    @Test func requiredFieldsAreAddedOnceWhateverTheirCase() throws {
        var query = try SOQLParser.parseQuery("SELECT id, phone FROM Contact")
        query.addFields(["Id", "Phone", "MobilePhone", "DoNotCall"])
        #expect(query.fields == ["id", "phone", "MobilePhone", "DoNotCall"])
    }
}
