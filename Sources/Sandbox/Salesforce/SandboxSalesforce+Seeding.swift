import Salesforce

/// Generated contacts for tests, benchmarks and the demo: spread over US states and time zones,
/// in the phone formats CRMs really hold, with some DoNotCall, invalid and duplicate numbers.
extension SandboxSalesforce {
    /// What a seeding put in, so callers know what an import should find.
    public struct SeedSummary: Sendable, Equatable {
        public var contacts = 0
        public var doNotCall = 0
        public var invalidPhone = 0
        public var duplicatePhone = 0
        public var noState = 0
    }

    /// States with one of their area codes, weighted roughly by population, across every US
    /// zone, and three-digit ZIP prefixes of their cities (split states' on the majority side).
    static let seedStates: [(state: String, areaCodes: [String], weight: Int, postalPrefixes: [String])] = [
        ("CA", ["415", "213", "619", "916"], 12, ["941", "900", "921", "958"]), ("TX", ["512", "713", "214"], 9, ["787", "770", "752"]),
        ("FL", ["305", "407", "813"], 7, ["331", "328", "336"]), ("NY", ["212", "718", "516"], 6, ["100", "112", "115"]),
        ("PA", ["215", "412"], 4, ["191", "152"]), ("IL", ["312", "773"], 4, ["606"]), ("OH", ["614", "216"], 4, ["432", "441"]),
        ("GA", ["404", "678"], 3, ["303"]), ("NC", ["704", "919"], 3, ["282", "276"]), ("MI", ["313", "616"], 3, ["482", "495"]),
        ("WA", ["206", "509"], 2, ["981", "992"]), ("AZ", ["602", "520"], 2, ["850", "857"]), ("CO", ["303", "719"], 2, ["802", "809"]),
        ("MA", ["617", "508"], 2, ["021", "016"]), ("TN", ["615", "901"], 2, ["372", "381"]), ("MN", ["612", "651"], 2, ["554", "551"]),
        ("OR", ["503", "541"], 1, ["972", "977"]), ("NV", ["702", "775"], 1, ["891", "895"]), ("UT", ["801", "435"], 1, ["841", "847"]),
        ("HI", ["808"], 1, ["968"]), ("AK", ["907"], 1, ["995"]), ("NM", ["505"], 1, ["871"]), ("ID", ["208"], 1, ["837"]),
        ("MT", ["406"], 1, ["591"]),
    ]

    /// Adds `count` Contacts. Deterministic for a given `seed`.
    @discardableResult
    public func seedContacts(_ count: Int, seed: UInt64 = 42) -> SeedSummary {
        var random = SplitMix64(seed: seed)
        let weighted = Self.seedStates.flatMap { entry in Array(repeating: entry, count: entry.weight) }
        let firstNames = [
            "Ana", "Ben", "Chloe", "Dev", "Elena", "Femi", "Grace", "Hiro", "Ines", "Jamal", "Kai", "Lena", "Mateo", "Nia", "Omar", "Priya",
        ]
        let lastNames = ["Garcia", "Smith", "Nguyen", "Okafor", "Johnson", "Kim", "Patel", "Rossi", "Brown", "Cohen", "Silva", "Walker"]
        var summary = SeedSummary()
        var issued: [String] = []
        var records: [SandboxRecord] = []
        records.reserveCapacity(count)
        for index in 0..<count {
            let place = weighted[Int(random.next() % UInt64(weighted.count))]
            let areaCode = place.areaCodes[Int(random.next() % UInt64(place.areaCodes.count))]
            // Exchanges 200–999 and any line: distinct, well-formed North American numbers.
            let exchange = 200 + Int(random.next() % 800)
            let line = Int(random.next() % 10_000)
            let digits = areaCode + String(exchange) + String(repeating: "0", count: 4 - String(line).count) + String(line)
            var phone = Self.format(digits, style: Int(random.next() % 5))
            let roll = random.next() % 1000
            if roll < 30 {
                phone = ["555-0199", "(415) 555-01", "CALL-ME-NOW", "011 44 20 7946", "+1 (911) 555 0100"][Int(random.next() % 5)]
                summary.invalidPhone += 1
            } else if roll < 50, let earlier = issued.last {
                phone = earlier
                summary.duplicatePhone += 1
            }
            var fields: [String: SOQLValue] = [
                "FirstName": .string(firstNames[index % firstNames.count]),
                "LastName": .string(lastNames[Int(random.next() % UInt64(lastNames.count))]),
                "AccountId": .string("001SB" + String(repeating: "0", count: 10 - String(index % 500).count) + String(index % 500) + "AAA"),
                "DoNotCall": .boolean(random.next() % 100 < 5),
                "MailingPostalCode": .string(Self.postalCode(place.postalPrefixes, random.next())),
            ]
            if fields["DoNotCall"] == .boolean(true) { summary.doNotCall += 1 }
            // Most contacts have a mobile number; some only an office Phone.
            fields[random.next() % 10 < 7 ? "MobilePhone" : "Phone"] = .string(phone)
            if random.next() % 20 == 0 {
                summary.noState += 1  // the area code gives the zone
            } else {
                fields["MailingState"] = .string(place.state)
            }
            if roll >= 50 { issued.append(phone) }
            records.append(SandboxRecord(type: "Contact", fields: fields))
        }
        insert(records)
        summary.contacts = count
        return summary
    }

    /// A ZIP code of one of the prefixes, from one random draw.
    static func postalCode(_ prefixes: [String], _ draw: UInt64) -> String {
        let suffix = Int((draw / UInt64(prefixes.count)) % 100)
        return prefixes[Int(draw % UInt64(prefixes.count))] + (suffix < 10 ? "0" : "") + String(suffix)
    }

    static func format(_ digits: String, style: Int) -> String {
        let d = Array(digits)
        let area = String(d[0..<3])
        let exchange = String(d[3..<6])
        let line = String(d[6..<10])
        switch style {
        case 0: return "(\(area)) \(exchange)-\(line)"
        case 1: return "\(area).\(exchange).\(line)"
        case 2: return "+1 \(area) \(exchange) \(line)"
        case 3: return "1-\(area)-\(exchange)-\(line)"
        default: return digits
        }
    }
}

/// A small, fast, seedable generator: the same seed gives the same contacts (and the same
/// fuzzing cases) on every machine.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
