import Foundation
import Testing
import Worker

@Suite struct CallingTimeZoneTests {
    static let statesAndDC = [
        "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN",
        "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH",
        "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT",
        "VT", "VA", "WA", "WV", "WI", "WY",
    ]

    @Test(arguments: statesAndDC)
    func everyStateResolvesToAZoneFoundationKnows(code: String) throws {
        let zone = try #require(CallingTimeZone.forState(code))
        #expect(TimeZone(identifier: zone) != nil, "\(code) -> \(zone)")
        #expect(CallingTimeZone.forState(code.lowercased()) == zone)
    }

    @Test func looksUpCodesAndNamesInAnyCase() {
        #expect(CallingTimeZone.forState("CA") == "America/Los_Angeles")
        #expect(CallingTimeZone.forState("ca") == "America/Los_Angeles")
        #expect(CallingTimeZone.forState(" Ca ") == "America/Los_Angeles")
        #expect(CallingTimeZone.forState("California") == "America/Los_Angeles")
        #expect(CallingTimeZone.forState("CALIFORNIA") == "America/Los_Angeles")
        #expect(CallingTimeZone.forState("new  york") == "America/New_York")
        #expect(CallingTimeZone.forState("North Dakota") == "America/Chicago")
        #expect(CallingTimeZone.forState("Washington") == "America/Los_Angeles")
        #expect(CallingTimeZone.forState("Washington, D.C.") == "America/New_York")
        #expect(CallingTimeZone.forState("D.C.") == "America/New_York")
        #expect(CallingTimeZone.forState("District of Columbia") == "America/New_York")
    }

    @Test func picksTheMostPopulousZoneOfSplitStates() {
        #expect(CallingTimeZone.forState("FL") == "America/New_York")
        #expect(CallingTimeZone.forState("TX") == "America/Chicago")
        #expect(CallingTimeZone.forState("IN") == "America/Indiana/Indianapolis")
        #expect(CallingTimeZone.forState("KY") == "America/New_York")
        #expect(CallingTimeZone.forState("TN") == "America/Chicago")
        #expect(CallingTimeZone.forState("MI") == "America/Detroit")
        #expect(CallingTimeZone.forState("ND") == "America/Chicago")
        #expect(CallingTimeZone.forState("SD") == "America/Chicago")
        #expect(CallingTimeZone.forState("NE") == "America/Chicago")
        #expect(CallingTimeZone.forState("KS") == "America/Chicago")
        #expect(CallingTimeZone.forState("ID") == "America/Boise")
        #expect(CallingTimeZone.forState("OR") == "America/Los_Angeles")
        #expect(CallingTimeZone.forState("AZ") == "America/Phoenix")
        #expect(CallingTimeZone.forState("HI") == "Pacific/Honolulu")
        #expect(CallingTimeZone.forState("AK") == "America/Anchorage")
    }

    @Test func coversTheInhabitedTerritories() throws {
        let territories = [
            ("PR", "Puerto Rico", "America/Puerto_Rico"),
            ("GU", "Guam", "Pacific/Guam"),
            ("VI", "U.S. Virgin Islands", "America/St_Thomas"),
            ("AS", "American Samoa", "Pacific/Pago_Pago"),
            ("MP", "Northern Mariana Islands", "Pacific/Saipan"),
        ]
        for (code, name, zone) in territories {
            #expect(CallingTimeZone.forState(code) == zone)
            #expect(CallingTimeZone.forState(name) == zone)
            #expect(TimeZone(identifier: zone) != nil, "\(zone)")
        }
    }

    @Test func refusesWhatIsNotAStateOrTerritory() {
        #expect(CallingTimeZone.forState(nil) == nil)
        #expect(CallingTimeZone.forState("") == nil)
        #expect(CallingTimeZone.forState("  ") == nil)
        #expect(CallingTimeZone.forState("ZZ") == nil)
        #expect(CallingTimeZone.forState("ON") == nil)
        #expect(CallingTimeZone.forState("AE") == nil)
        #expect(CallingTimeZone.forState("Calif") == nil)
        #expect(CallingTimeZone.forState("C") == nil)
    }

    @Test(arguments: [
        ("212", "America/New_York"), ("415", "America/Los_Angeles"), ("312", "America/Chicago"),
        ("303", "America/Denver"), ("602", "America/Phoenix"), ("808", "Pacific/Honolulu"),
        ("907", "America/Anchorage"), ("617", "America/New_York"), ("713", "America/Chicago"),
        ("206", "America/Los_Angeles"), ("801", "America/Denver"), ("313", "America/Detroit"),
        ("317", "America/Indiana/Indianapolis"), ("208", "America/Boise"), ("202", "America/New_York"),
        ("787", "America/Puerto_Rico"), ("671", "Pacific/Guam"), ("340", "America/St_Thomas"),
        ("684", "Pacific/Pago_Pago"), ("670", "Pacific/Saipan"),
    ])
    func mapsAreaCodesToZones(areaCode: String, zone: String) {
        #expect(CallingTimeZone.forAreaCode(areaCode) == zone)
    }

    @Test func mapsSplitAreaCodesToTheirOwnSideOfTheLine() {
        #expect(CallingTimeZone.forAreaCode("850") == "America/Chicago")
        #expect(CallingTimeZone.forAreaCode("305") == "America/New_York")
        #expect(CallingTimeZone.forAreaCode("915") == "America/Denver")
        #expect(CallingTimeZone.forAreaCode("423") == "America/New_York")
        #expect(CallingTimeZone.forAreaCode("615") == "America/Chicago")
        #expect(CallingTimeZone.forAreaCode("270") == "America/Chicago")
        #expect(CallingTimeZone.forAreaCode("502") == "America/New_York")
        #expect(CallingTimeZone.forAreaCode("219") == "America/Chicago")
    }

    @Test func mapsCanadianAreaCodesToCanadianZones() {
        #expect(CallingTimeZone.forAreaCode("416") == "America/Toronto")
        #expect(CallingTimeZone.forAreaCode("514") == "America/Toronto")
        #expect(CallingTimeZone.forAreaCode("604") == "America/Vancouver")
        #expect(CallingTimeZone.forAreaCode("403") == "America/Edmonton")
        #expect(CallingTimeZone.forAreaCode("204") == "America/Winnipeg")
        #expect(CallingTimeZone.forAreaCode("306") == "America/Regina")
        #expect(CallingTimeZone.forAreaCode("902") == "America/Halifax")
        #expect(CallingTimeZone.forAreaCode("709") == "America/St_Johns")
    }

    @Test(arguments: ["800", "833", "844", "855", "866", "877", "888", "500", "600", "700", "900"])
    func hasNoZoneForNonGeographicCodes(areaCode: String) {
        #expect(CallingTimeZone.forAreaCode(areaCode) == nil)
    }

    @Test func hasNoZoneForMalformedOrUnassignedCodes() {
        #expect(CallingTimeZone.forAreaCode("") == nil)
        #expect(CallingTimeZone.forAreaCode("41") == nil)
        #expect(CallingTimeZone.forAreaCode("4155") == nil)
        #expect(CallingTimeZone.forAreaCode("911") == nil)
        #expect(CallingTimeZone.forAreaCode("011") == nil)
    }

    @Test func everyAreaCodeZoneIsOneFoundationKnows() {
        var mapped = 0
        for code in 200...999 {
            guard let zone = CallingTimeZone.forAreaCode(String(code)) else { continue }
            mapped += 1
            #expect(TimeZone(identifier: zone) != nil, "\(code) -> \(zone)")
        }
        #expect(mapped > 400)
    }

    @Test func prefersTheMailingStateOverTheAreaCode() throws {
        let sanFrancisco = try #require(PhoneNumber.normalize("(415) 555-0134").number)
        let resolved = try #require(CallingTimeZone.resolve(mailingState: "NY", phone: sanFrancisco))
        #expect(resolved.zone == "America/New_York")
        #expect(resolved.source == .mailingState)
        #expect(resolved.source.rawValue == "mailing_state")
    }

    @Test func fallsBackToTheAreaCode() throws {
        let sanFrancisco = try #require(PhoneNumber.normalize("(415) 555-0134").number)
        for state in [nil, "", "Narnia"] as [String?] {
            let resolved = try #require(CallingTimeZone.resolve(mailingState: state, phone: sanFrancisco))
            #expect(resolved.zone == "America/Los_Angeles")
            #expect(resolved.source == .areaCode)
            #expect(resolved.source.rawValue == "area_code")
        }
    }

    @Test func resolvesNothingWithoutAStateOrAGeographicAreaCode() throws {
        let tollFree = try #require(PhoneNumber.normalize("1-800-555-0199").number)
        let london = try #require(PhoneNumber.normalize("+44 20 7946 0958").number)
        #expect(CallingTimeZone.resolve(mailingState: nil, phone: nil) == nil)
        #expect(CallingTimeZone.resolve(mailingState: "XX", phone: tollFree) == nil)
        #expect(CallingTimeZone.resolve(mailingState: nil, phone: london) == nil)
        #expect(CallingTimeZone.resolve(mailingState: "Texas", phone: nil)?.zone == "America/Chicago")
    }
}
