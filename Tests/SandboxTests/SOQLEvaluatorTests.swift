import Salesforce
import Sandbox
import Testing

@Suite struct SOQLEvaluatorTests {
    /// A Contact (or another type) with an Id and the given fields.
    static func record(_ id: String, _ type: String = "Contact", _ fields: KeyValuePairs<String, SOQLValue> = [:]) -> SandboxRecord {
        var record = SandboxRecord(type: type, fields: ["Id": .string(id)])
        for (name, value) in fields { record[name] = value }
        return record
    }

    static let smith = record(
        "A",
        "Contact",
        [
            "LastName": .string("Smith"), "Score__c": .number(5), "DoNotCall": .boolean(false),
            "Birthdate": .date(year: 1990, month: 5, day: 1), "CreatedDate": .dateTime("2026-01-01T08:00:00.000+0000"),
        ]
    )
    static let smythe = record(
        "B",
        "Contact",
        [
            "LastName": .string("smythe"), "Score__c": .number(10), "DoNotCall": .boolean(true),
            "Birthdate": .null, "CreatedDate": .dateTime("2026-01-02T00:30:00+01:00"),  // 2026-01-01T23:30Z
        ]
    )
    static let blank = record("C", "Contact", ["LastName": .null, "Score__c": .null])
    static let task = record("T", "Task", ["LastName": .string("Smith")])
    static let everyone = [smith, smythe, blank, task]

    /// Which of `records` match `condition`, by Id.
    func matching(_ condition: String, _ records: [SandboxRecord] = [smith, smythe, blank]) throws -> [String] {
        let parsed = try SOQLParser.parseCondition(condition)
        return records.filter { SOQLEvaluator.matches(parsed, $0) }.compactMap(\.id)
    }

    func run(_ query: String, _ records: [SandboxRecord] = everyone) throws -> [String] {
        SOQLEvaluator.run(try SOQLParser.parseQuery(query), over: records).compactMap(\.id)
    }

    @Test func recordFieldsMatchCaseInsensitivelyAndKeepTheirFirstCasing() {
        var record = Self.smith
        #expect(record["lastname"] == .string("Smith"))
        #expect(record["NoSuchField"] == .null)
        record["LASTNAME"] = .string("Jones")
        #expect(record.fields["LastName"] == .string("Jones"))
        #expect(record.fields["LASTNAME"] == nil)
        record["Email"] = .string("j@example.com")
        #expect(record.fields["Email"] == .string("j@example.com"))
    }

    @Test func projectionUsesRequestedOrderAndStoredCasingAndDropsRepeats() {
        let projected = Self.smith.projected(["id", "LASTNAME", "Account.Name", "Id"])
        #expect(projected.map(\.name) == ["Id", "LastName", "Account.Name"])
        #expect(projected.map(\.value) == [.string("A"), .string("Smith"), .null])
    }

    @Test func equalityOnTextIsCaseInsensitiveAndNotEqualIncludesNulls() throws {
        #expect(try matching("LastName = 'SMITH'") == ["A"])
        #expect(try matching("LastName != 'smith'") == ["B", "C"])
        #expect(try matching("LastName <> 'SMYTHE'") == ["A", "C"])
    }

    @Test func nullMatchesOnlyEqualsNullAndNotEqualsNull() throws {
        #expect(try matching("LastName = null") == ["C"])
        #expect(try matching("LastName != null") == ["A", "B"])
        #expect(try matching("Score__c < 100") == ["A", "B"])
        #expect(try matching("Score__c >= 0") == ["A", "B"])
        #expect(try matching("LastName > null") == [])
    }

    @Test func numbersCompareNumerically() throws {
        #expect(try matching("Score__c = 5.0") == ["A"])
        #expect(try matching("Score__c > 5") == ["B"])
        #expect(try matching("Score__c >= 5") == ["A", "B"])
        #expect(try matching("Score__c < 10") == ["A"])
        #expect(try matching("Score__c <= 10") == ["A", "B"])
        #expect(try matching("Score__c > -1.5") == ["A", "B"])
    }

    @Test func textOrderingComparisonsIgnoreCase() throws {
        #expect(try matching("LastName < 'SN'") == ["A", "B"])
        #expect(try matching("LastName > 'smithy'") == ["B"])
    }

    @Test func booleansSupportOnlyEqualityOperators() throws {
        #expect(try matching("DoNotCall = true") == ["B"])
        #expect(try matching("DoNotCall != true") == ["A", "C"])
        #expect(try matching("DoNotCall > false") == [])
    }

    @Test func typeMismatchesNeverMatchButNotNegatesThem() throws {
        #expect(try matching("LastName = 5") == [])
        #expect(try matching("LastName != 5") == ["C"])  // only the null, which is != anything non-null
        #expect(try matching("NOT LastName = 5") == ["A", "B", "C"])
        #expect(try matching("Birthdate = '1990-05-01'") == [])
        #expect(try matching("LastName IN (1, 2)") == [])
        #expect(try matching("LastName NOT IN (1, 2)") == ["C"])
    }

    @Test func likeIsCaseInsensitiveWithPercentAndUnderscoreWildcards() throws {
        #expect(try matching("LastName LIKE 'sm%'") == ["A", "B"])
        #expect(try matching("LastName LIKE 'SM_TH'") == ["A"])
        #expect(try matching("LastName LIKE '%YTH%'") == ["B"])
        #expect(try matching("LastName LIKE 'smith'") == ["A"])
        #expect(try matching("LastName LIKE 'smit'") == [])
        #expect(try matching("LastName LIKE '%i%h'") == ["A"])
        #expect(try matching("LastName LIKE '_'") == [])
        #expect(try matching("LastName LIKE '%'") == ["A", "B"])  // never null
        #expect(try matching("Score__c LIKE '5%'") == [])  // only text
        let dotted = [Self.record("D", "Contact", ["Email": .string("a.b@x.io")]), Self.record("E", "Contact", ["Email": .string("axb@x.io")])]
        #expect(try matching("Email LIKE 'a.b@%'", dotted) == ["D"])  // other characters stand for themselves
        #expect(try matching("Email LIKE '%b@x.io'", dotted) == ["D", "E"])
        let percent = [
            Self.record("F", "Contact", ["Code__c": .string("50%")]), Self.record("G", "Contact", ["Code__c": .string("500")]),
            Self.record("H", "Contact", ["Code__c": .string("5_0")]),
        ]
        #expect(try matching(#"Code__c LIKE '50\%'"#, percent) == ["F"])  // an escaped % is itself
        #expect(try matching("Code__c LIKE '50%'", percent) == ["F", "G"])
        #expect(try matching(#"Code__c LIKE '5\_0'"#, percent) == ["H"])
    }

    @Test func inAndNotInTreatNullAsAValue() throws {
        #expect(try matching("LastName IN ('x', 'SMITH')") == ["A"])
        #expect(try matching("LastName NOT IN ('smith')") == ["B", "C"])
        #expect(try matching("LastName IN ('smith', null)") == ["A", "C"])
        #expect(try matching("LastName NOT IN ('smith', null)") == ["B"])
        #expect(try matching("Score__c IN (10, 11)") == ["B"])
    }

    @Test func datesAndDateTimesCompareChronologically() throws {
        #expect(try matching("Birthdate = 1990-05-01") == ["A"])
        #expect(try matching("Birthdate < 1990-05-02") == ["A"])
        #expect(try matching("Birthdate > 1990-05-01") == [])
        #expect(try matching("Birthdate != 1990-05-01") == ["B", "C"])
        // Offsets and fractional seconds: the same instant written two ways is equal.
        #expect(try matching("CreatedDate = 2026-01-01T09:00:00.000+01:00") == ["A"])
        #expect(try matching("CreatedDate = 2026-01-01T23:30:00Z") == ["B"])
        #expect(try matching("CreatedDate < 2026-01-01T23:30:00.5Z") == ["A", "B"])
        #expect(try matching("CreatedDate > 2026-01-01T23:29:59.999-00:00") == ["B"])
        // Against a date literal a dateTime counts as its UTC day: B is on 2026-01-02 only in +01:00.
        #expect(try matching("CreatedDate = 2026-01-01") == ["A", "B"])
        #expect(try matching("CreatedDate >= 2026-01-02") == [])
        #expect(try matching("CreatedDate < 2026-01-02") == ["A", "B"])
    }

    @Test func notBindsTighterThanAndWhichBindsTighterThanOr() throws {
        #expect(try matching("LastName = 'x' OR Score__c = 10 AND DoNotCall = true") == ["B"])
        #expect(try matching("Score__c = 5 OR LastName = 'x' AND DoNotCall = true") == ["A"])
        #expect(try matching("(LastName = 'smith' OR Score__c = 10) AND DoNotCall = false") == ["A"])
        #expect(try matching("NOT LastName = 'smith' AND Score__c = 10") == ["B"])
        #expect(try matching("NOT (LastName = 'smith' OR Score__c = 10)") == ["C"])
    }

    @Test func runFiltersByObjectCaseInsensitivelyAndKeepsInputOrderWithoutOrderBy() throws {
        #expect(try run("SELECT Id FROM Contact") == ["A", "B", "C"])
        #expect(try run("SELECT Id FROM task") == ["T"])
        #expect(try run("SELECT Id FROM Lead") == [])
        #expect(try run("SELECT Id FROM Contact", [Self.blank, Self.task, Self.smith]) == ["C", "A"])
        #expect(try run("SELECT Id FROM Contact WHERE LastName LIKE 'sm%' ORDER BY Score__c DESC") == ["B", "A"])
    }

    @Test func orderByPutsNullsFirstAscendingAndLastDescendingUnlessTold() throws {
        #expect(try run("SELECT Id FROM Contact ORDER BY Score__c") == ["C", "A", "B"])
        #expect(try run("SELECT Id FROM Contact ORDER BY Score__c DESC") == ["B", "A", "C"])
        #expect(try run("SELECT Id FROM Contact ORDER BY Score__c ASC NULLS LAST") == ["A", "B", "C"])
        #expect(try run("SELECT Id FROM Contact ORDER BY Score__c DESC NULLS FIRST") == ["C", "B", "A"])
        #expect(try run("SELECT Id FROM Contact ORDER BY CreatedDate DESC") == ["B", "A", "C"])
        #expect(try run("SELECT Id FROM Contact ORDER BY Birthdate NULLS LAST") == ["A", "B", "C"])
    }

    @Test func orderByIgnoresCaseIsStableAndAppliesKeysInTurn() throws {
        let rows = [
            Self.record("1", "Contact", ["Name": .string("b"), "Rank": .number(1)]),
            Self.record("2", "Contact", ["Name": .string("A"), "Rank": .number(2)]),
            Self.record("3", "Contact", ["Name": .string("B"), "Rank": .number(0)]),
            Self.record("4", "Contact", ["Name": .string("a"), "Rank": .number(2)]),
        ]
        #expect(try run("SELECT Id FROM Contact ORDER BY Name", rows) == ["2", "4", "1", "3"])
        #expect(try run("SELECT Id FROM Contact ORDER BY Name DESC", rows) == ["1", "3", "2", "4"])
        #expect(try run("SELECT Id FROM Contact ORDER BY Name DESC, Rank", rows) == ["3", "1", "2", "4"])
        #expect(try run("SELECT Id FROM Contact ORDER BY Rank DESC, Name DESC", rows) == ["2", "4", "1", "3"])
        #expect(try run("SELECT Id FROM Contact ORDER BY Rank, Name", rows) == ["3", "1", "2", "4"])
    }

    @Test func offsetSkipsThenLimitCaps() throws {
        let rows = (1...5).map { Self.record("\($0)", "Contact", ["Rank": .number(Double(6 - $0))]) }
        #expect(try run("SELECT Id FROM Contact ORDER BY Rank LIMIT 2 OFFSET 1", rows) == ["4", "3"])
        #expect(try run("SELECT Id FROM Contact LIMIT 2", rows) == ["1", "2"])
        #expect(try run("SELECT Id FROM Contact OFFSET 3", rows) == ["4", "5"])
        #expect(try run("SELECT Id FROM Contact LIMIT 0", rows) == [])
        #expect(try run("SELECT Id FROM Contact OFFSET 9", rows) == [])
    }

    @Test func validateNamesTheFirstUnknownFieldAsSalesforceDoes() throws {
        let known: Set<String> = ["Id", "LastName", "Score__c", "Account.Name"]
        func validate(_ query: String) throws -> String? {
            SOQLEvaluator.validate(try SOQLParser.parseQuery(query), knownFields: known)
        }
        #expect(try validate("SELECT id, LASTNAME, account.name FROM Contact WHERE score__c > 1 ORDER BY LastName") == nil)
        #expect(
            try validate("SELECT Id, Foo FROM Contact WHERE Bar = 1") == """
                No such column 'Foo' on entity 'Contact'. If you are attempting to use a custom field, be sure to append \
                the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.
                """
        )
        #expect(
            try validate("SELECT Id FROM Contact WHERE Id = '1' AND (Score__c = 1 OR NOT Bar IN (1))")?
                .hasPrefix("No such column 'Bar' on entity 'Contact'.") == true
        )
        #expect(try validate("SELECT Id FROM Task WHERE Subject LIKE 'x%'")?.hasPrefix("No such column 'Subject' on entity 'Task'.") == true)
        #expect(try validate("SELECT Id FROM Contact ORDER BY Score DESC")?.hasPrefix("No such column 'Score' on entity 'Contact'.") == true)
        #expect(try validate("SELECT Account.Nme FROM Contact")?.hasPrefix("No such column 'Nme' on entity 'Account'.") == true)
        #expect(
            try validate("SELECT Acount.Name FROM Contact") == """
                Didn't understand relationship 'Acount' in field path. If you are attempting to use a custom relationship, \
                be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe \
                call for the appropriate names.
                """
        )
    }
}
