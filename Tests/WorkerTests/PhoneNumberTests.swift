import Testing
import Worker

@Suite struct PhoneNumberTests {
    @Test(arguments: [
        "(415) 555-0134", "415.555.0134", "415-555-0134", "415 555 0134", "4155550134",
        "1-415-555-0134", "1 (415) 555-0134", "14155550134", "1.415.555.0134",
        "+1 415 555 0134", "+1 (415) 555-0134", "+1-415-555-0134", "+14155550134", "+1.415.555.0134",
        "  (415) 555-0134\n", "415/555-0134", "415\u{2013}555\u{2013}0134", "415\u{00A0}555\u{00A0}0134",
    ])
    func acceptsNorthAmericanFormats(raw: String) {
        #expect(PhoneNumber.normalize(raw) == .valid(PhoneNumber(e164: "+14155550134")!))
        #expect(PhoneNumber.normalize(raw).number?.e164 == "+14155550134")
    }

    @Test(arguments: [
        ("(415) 555-0134 x123", "+14155550134"),
        ("415-555-0134x9", "+14155550134"),
        ("415-555-0134 ext. 12", "+14155550134"),
        ("415-555-0134 Ext 12", "+14155550134"),
        ("415-555-0134 EXT:7", "+14155550134"),
        ("415-555-0134 extension 4410", "+14155550134"),
        ("415-555-0134#12", "+14155550134"),
        ("+1 415 555 0134 # 12 ", "+14155550134"),
        ("+44 20 7946 0958 x 200", "+442079460958"),
    ])
    func stripsExtensions(raw: String, e164: String) {
        #expect(PhoneNumber.normalize(raw).number?.e164 == e164)
    }

    @Test func acceptsFictional555Numbers() {
        #expect(PhoneNumber.normalize("212-555-0100").number?.e164 == "+12125550100")
        #expect(PhoneNumber.normalize("(800) 555-0199").number?.e164 == "+18005550199")
    }

    @Test(arguments: [
        ("011-555-0134", "area code 011 invalid"),
        ("(099) 555-0134", "area code 099 invalid"),
        ("123-555-0134", "area code 123 invalid"),
        ("+1 199 555 0134", "area code 199 invalid"),
        ("211-555-0134", "area code 211 invalid"),
        ("411-555-0134", "area code 411 invalid"),
        ("1-911-555-0134", "area code 911 invalid"),
        ("+1 811 555 0134", "area code 811 invalid"),
    ])
    func refusesInvalidAreaCodes(raw: String, reason: String) {
        #expect(PhoneNumber.normalize(raw) == .invalid(reason: reason))
    }

    @Test(arguments: [
        ("415-055-0134", "exchange code cannot start with 0"),
        ("415-155-0134", "exchange code cannot start with 1"),
        ("+1 415 011 0134", "exchange code cannot start with 0"),
        ("415-211-0134", "exchange code 211 invalid"),
        ("415-911-0134", "exchange code 911 invalid"),
    ])
    func refusesInvalidExchanges(raw: String, reason: String) {
        #expect(PhoneNumber.normalize(raw) == .invalid(reason: reason))
    }

    @Test func acceptsExchangesThatOnlyLookLikeServiceCodes() {
        #expect(PhoneNumber.normalize("415-210-0134").number?.e164 == "+14152100134")
        #expect(PhoneNumber.normalize("415-921-0134").number?.e164 == "+14159210134")
        #expect(PhoneNumber.normalize("415-200-0134").number?.e164 == "+14152000134")
    }

    @Test(arguments: [
        ("555-0134", "too few digits"),
        ("415-555-013", "too few digits"),
        ("+1 415 555 013", "too few digits"),
        ("+1 415 555 01345", "too many digits"),
        ("1-415-555-01345", "too many digits"),
        ("+44 20 79", "too few digits"),
        ("+44 2079 4609 5812 345", "too many digits"),
    ])
    func refusesWrongLengths(raw: String, reason: String) {
        #expect(PhoneNumber.normalize(raw) == .invalid(reason: reason))
    }

    @Test(arguments: ["1-800-FLOWERS", "415-555-CALL", "(415) 55S-0134", "call me", "N/A"])
    func refusesLetters(raw: String) {
        #expect(PhoneNumber.normalize(raw) == .invalid(reason: "contains letters"))
    }

    @Test func explainsOtherRefusals() {
        #expect(PhoneNumber.normalize("") == .invalid(reason: "empty"))
        #expect(PhoneNumber.normalize(" \t\n") == .invalid(reason: "empty"))
        #expect(PhoneNumber.normalize("--") == .invalid(reason: "no digits"))
        #expect(PhoneNumber.normalize("415*555*0134") == .invalid(reason: "unexpected character '*'"))
        #expect(PhoneNumber.normalize("415+555-0134") == .invalid(reason: "'+' is only allowed before the number"))
        #expect(PhoneNumber.normalize("+0 20 7946 0958") == .invalid(reason: "country code cannot start with 0"))
    }

    @Test func keepsInternationalNumbersOnlyWithALeadingPlus() {
        #expect(PhoneNumber.normalize("+44 20 7946 0958").number?.e164 == "+442079460958")
        #expect(PhoneNumber.normalize("+44 (0)20 7946 0958").number?.e164 == "+442079460958")
        #expect(PhoneNumber.normalize("(+49) 30-901820").number?.e164 == "+4930901820")
        #expect(PhoneNumber.normalize("+61 2 9374 4000").number?.e164 == "+61293744000")
        #expect(PhoneNumber.normalize("+352 2612 34").number?.e164 == "+352261234")
        #expect(PhoneNumber.normalize("+86 139 1234 5678 90").number?.e164 == "+861391234567890")

        let reason = "not a North American number and no leading +"
        #expect(PhoneNumber.normalize("44 20 7946 0958") == .invalid(reason: reason))
        #expect(PhoneNumber.normalize("0044 20 7946 0958") == .invalid(reason: reason))
        #expect(PhoneNumber.normalize("020 7946 0958") == .invalid(reason: reason))
    }

    @Test func knowsAreaCodesOfNorthAmericanNumbersOnly() {
        #expect(PhoneNumber.normalize("(415) 555-0134").number?.areaCode == "415")
        #expect(PhoneNumber.normalize("+1 604 555 0134").number?.areaCode == "604")
        #expect(PhoneNumber.normalize("+44 20 7946 0958").number?.areaCode == nil)
        #expect(PhoneNumber.normalize("+44 20 7946 0958").number?.isNorthAmerican == false)
    }

    @Test func masksTheMiddleDigits() throws {
        let number = try #require(PhoneNumber.normalize("(415) 555-0134").number)
        #expect(number.masked == "+1415*****34")
        #expect(!number.masked.contains("5550"))
        #expect("\(number)" == "+1415*****34")
        #expect(!String(reflecting: number).contains("+14155550134"))

        #expect(PhoneNumber.normalize("+44 20 7946 0958").number?.masked == "+44207*****58")
        #expect(PhoneNumber.normalize("+49 30 901820").number?.masked == "+4930****20")
        #expect(PhoneNumber.normalize("+352 2612 34").number?.masked == "+352****34")
        #expect(PhoneNumber.normalize("+7 495 123 45 67").number?.masked == "+7495*****67")
    }

    @Test(arguments: [
        "+14155550134", "+12125550100", "+442079460958", "+4930901820", "+352261234", "+61293744000",
    ])
    func alwaysHidesAtLeastFourDigits(e164: String) throws {
        let number = try #require(PhoneNumber(e164: e164))
        let hidden = number.masked.filter { $0 == "*" }.count
        #expect(number.masked.count == e164.count)
        #expect(hidden >= 4)
        #expect(!number.masked.contains(String(e164.dropFirst().dropFirst(3).prefix(4))))
    }

    @Test func rebuildsOnlyNormalizedNumbersFromStorage() {
        #expect(PhoneNumber(e164: "+14155550134")?.e164 == "+14155550134")
        #expect(PhoneNumber(e164: "4155550134") == nil)
        #expect(PhoneNumber(e164: "+1 415 555 0134") == nil)
        #expect(PhoneNumber(e164: "+10115550134") == nil)
    }

    @Test func prefersTheConfiguredFieldWhenItIsValid() {
        let both = PhoneNumber.preferred(mobile: "(415) 555-0134", phone: "212-555-0100")
        #expect(both.number?.e164 == "+14155550134")
        #expect(both.invalidReason == nil)

        let landlineFirst = PhoneNumber.preferred(mobile: "(415) 555-0134", phone: "212-555-0100", preferMobile: false)
        #expect(landlineFirst.number?.e164 == "+12125550100")
        #expect(landlineFirst.invalidReason == nil)
    }

    @Test func fallsBackToTheOtherFieldWhenThePreferredOneIsMissingOrInvalid() {
        let missingMobile = PhoneNumber.preferred(mobile: nil, phone: "212-555-0100")
        #expect(missingMobile.number?.e164 == "+12125550100")
        #expect(missingMobile.invalidReason == nil)

        let blankMobile = PhoneNumber.preferred(mobile: "   ", phone: "212-555-0100")
        #expect(blankMobile.number?.e164 == "+12125550100")

        let invalidMobile = PhoneNumber.preferred(mobile: "1-800-FLOWERS", phone: "212-555-0100")
        #expect(invalidMobile.number?.e164 == "+12125550100")
        #expect(invalidMobile.invalidReason == nil)

        let invalidPhone = PhoneNumber.preferred(mobile: "(415) 555-0134", phone: "011-555-0100", preferMobile: false)
        #expect(invalidPhone.number?.e164 == "+14155550134")
    }

    @Test func explainsWhyNoNumberWasChosen() {
        let none = PhoneNumber.preferred(mobile: nil, phone: nil)
        #expect(none.number == nil)
        #expect(none.invalidReason == "no phone number")
        #expect(PhoneNumber.preferred(mobile: "", phone: " ").invalidReason == "no phone number")

        let onlyInvalid = PhoneNumber.preferred(mobile: nil, phone: "555-0134")
        #expect(onlyInvalid.number == nil)
        #expect(onlyInvalid.invalidReason == "too few digits")

        let bothInvalid = PhoneNumber.preferred(mobile: "011-555-0134", phone: "1-800-FLOWERS")
        #expect(bothInvalid.number == nil)
        #expect(bothInvalid.invalidReason == "area code 011 invalid")
        let bothInvalidLandlineFirst = PhoneNumber.preferred(
            mobile: "011-555-0134",
            phone: "1-800-FLOWERS",
            preferMobile: false
        )
        #expect(bothInvalidLandlineFirst.invalidReason == "contains letters")
    }

    @Test func numbersQuotedInOtherSystemsMessagesAreMaskedForLogs() {
        #expect(
            PhoneNumber.redacting("The 'To' number +14155550126 is not a valid phone number.")
                == "The 'To' number +1415*****26 is not a valid phone number."
        )
        #expect(
            PhoneNumber.redacting("to 4155550126 and +447911123456; error 21211, HTTP 400")
                == "to +4155****26 and +44791*****56; error 21211, HTTP 400"
        )
        #expect(PhoneNumber.redacting("no numbers here: 2026-11-25") == "no numbers here: 2026-11-25")
    }
}
