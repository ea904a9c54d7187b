import Foundation
import Testing
import Worker

/// Every zone a contact may be in: the mailing state (narrowed by the postal code in a split
/// state), and the area code (a number kept after a move, or one that spans a zone line).
@Suite struct CallingTimeZoneCandidatesTests {
    static func candidates(_ state: String?, _ phone: String?, postalCode: String? = nil) throws -> CallingTimeZone.Candidates? {
        let number = try phone.map { try #require(PhoneNumber.normalize($0).number) }
        return CallingTimeZone.candidates(mailingState: state, postalCode: postalCode, phone: number)
    }

    @Test func aPanhandleNumberWithAFloridaAddressMayBeInEitherZone() throws {
        let found = try #require(try Self.candidates("FL", "(850) 555-0100"))
        #expect(found.zones == ["America/New_York", "America/Chicago"])
        #expect(found.primary == "America/New_York" && found.source == .mailingState)
        #expect(found.states == ["FL"])
    }

    @Test func aNewYorkNumberWithACaliforniaAddressKeepsBothZonesAndBothStates() throws {
        let found = try #require(try Self.candidates("California", "(212) 555-0100"))
        #expect(found.zones == ["America/Los_Angeles", "America/New_York"])
        #expect(found.states == ["CA", "NY"])
        #expect(found.source == .mailingState)
    }

    @Test func aPostalCodeOfTheStateNarrowsASplitState() throws {
        // Pensacola is Central; a Miami number adds Eastern back.
        let pensacola = try #require(try Self.candidates("FL", "(305) 555-0100", postalCode: "32501"))
        #expect(pensacola.zones == ["America/Chicago", "America/New_York"] && pensacola.source == .postalCode)
        let miami = try #require(try Self.candidates("FL", "(305) 555-0100", postalCode: "33101-1234"))
        #expect(miami.zones == ["America/New_York"] && miami.source == .postalCode)
        let elPaso = try #require(try Self.candidates("TX", "(915) 555-0100", postalCode: "79901"))
        #expect(elPaso.zones == ["America/Denver"])
        let dallas = try #require(try Self.candidates("TX", "(214) 555-0100", postalCode: "75201"))
        #expect(dallas.zones == ["America/Chicago"])
        // Texas without a postal code: Central and Mountain.
        #expect(try Self.candidates("TX", "(512) 555-0100")?.zones == ["America/Chicago", "America/Denver"])
        // A prefix that straddles the line keeps both; a five-digit exception wins over its prefix.
        #expect(try Self.candidates("KY", nil, postalCode: "42701")?.zones == ["America/New_York", "America/Chicago"])
        #expect(try Self.candidates("FL", nil, postalCode: "32456")?.zones == ["America/New_York"])
        #expect(try Self.candidates("AK", nil, postalCode: "99546")?.zones == ["America/Adak"])
        #expect(try Self.candidates("MI", nil, postalCode: "49801")?.zones == ["America/Detroit", "America/Menominee"])
    }

    @Test func aPostalCodeThatIsNotTheStatesSaysNothing() throws {
        for code in ["90210", "ABCDE", "3250", "325011", "", " "] {
            #expect(try Self.candidates("FL", nil, postalCode: code)?.zones == ["America/New_York", "America/Chicago"], "\(code)")
        }
        // Not a split state: the postal code is not needed.
        #expect(try Self.candidates("CA", nil, postalCode: "10001")?.zones == ["America/Los_Angeles"])
    }

    @Test func areaCodesThatSpanAZoneLineGiveEveryZone() {
        #expect(CallingTimeZone.zones(forAreaCode: "850") == ["America/Chicago", "America/New_York"])
        #expect(CallingTimeZone.zones(forAreaCode: "208") == ["America/Boise", "America/Los_Angeles"])
        #expect(CallingTimeZone.zones(forAreaCode: "775") == ["America/Los_Angeles", "America/Denver"])
        #expect(CallingTimeZone.zones(forAreaCode: "605") == ["America/Chicago", "America/Denver"])
        #expect(CallingTimeZone.zones(forAreaCode: "701") == ["America/Chicago", "America/Denver"])
        #expect(CallingTimeZone.zones(forAreaCode: "907") == ["America/Anchorage", "America/Adak"])
        #expect(CallingTimeZone.zones(forAreaCode: "212") == ["America/New_York"])
        #expect(CallingTimeZone.zones(forAreaCode: "800") == [])
        for code in 200...999 {
            for zone in CallingTimeZone.zones(forAreaCode: String(code)) {
                #expect(TimeZone(identifier: zone) != nil, "\(code) -> \(zone)")
            }
        }
    }

    @Test func zonesThatKeepTheSameClockCountOnce() throws {
        #expect(try Self.candidates("MI", "(212) 555-0100", postalCode: "48201")?.zones == ["America/Detroit"])
        #expect(try Self.candidates("IN", "(212) 555-0100", postalCode: "46204")?.zones == ["America/Indiana/Indianapolis"])
        // Phoenix keeps standard time all year, Denver does not.
        #expect(try Self.candidates("AZ", "(303) 555-0100")?.zones == ["America/Phoenix", "America/Denver"])
    }

    @Test func theAreaCodeAloneGivesItsZonesAndItsState() throws {
        let found = try #require(try Self.candidates(nil, "(208) 555-0100"))
        #expect(found.zones == ["America/Boise", "America/Los_Angeles"] && found.source == .areaCode && found.states == ["ID"])
        let toronto = try #require(try Self.candidates("Narnia", "(416) 555-0100"))
        #expect(toronto.zones == ["America/Toronto"] && toronto.states.isEmpty)
        #expect(try Self.candidates(nil, "1-800-555-0199") == nil)
        #expect(try Self.candidates(nil, "+44 20 7946 0958") == nil)
        #expect(try Self.candidates("HI", "+44 20 7946 0958")?.zones == ["Pacific/Honolulu"])
    }

    @Test func stateCodesComeFromCodesOrNames() {
        #expect(CallingTimeZone.stateCode("tx") == "TX")
        #expect(CallingTimeZone.stateCode("New  Mexico") == "NM")
        #expect(CallingTimeZone.stateCode("Washington, D.C.") == "DC")
        #expect(CallingTimeZone.stateCode("ON") == nil)
        #expect(CallingTimeZone.stateCode("*") == nil)
    }
}
