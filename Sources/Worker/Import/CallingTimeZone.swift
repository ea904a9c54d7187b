import Foundation
import Synchronization

/// The time zone a contact is called in, so that calling hours are the contact's hours.
///
/// The mailing state is the better witness: people keep their mobile number when they
/// move, so an area code only says where a number was first handed out. The area code is
/// the fallback for contacts without a usable state. Every answer is an IANA identifier
/// that `TimeZone(identifier:)` accepts.
///
/// A state or area code that spans two zones has one primary zone, where most of its people
/// live (Florida is Eastern, its panhandle area codes Central), and `candidates` keeps every
/// zone a contact may be in: the dialer calls only when all of them are inside the window.
public enum CallingTimeZone {
    /// Where a resolved zone came from, recorded with the contact for auditing.
    public enum Source: String, Sendable {
        case mailingState = "mailing_state"
        case postalCode = "postal_code"
        case areaCode = "area_code"
    }

    /// Every zone a contact may be in, and every US state whose calling rules apply.
    public struct Candidates: Sendable, Equatable {
        /// The primary zone first (the mailing state's, narrowed by the postal code, else the
        /// area code's), then the others; zones that keep the same clock appear once.
        public let zones: [String]
        /// Two-letter codes: the mailing state, then the area code's state.
        public let states: [String]
        /// Where the primary zone came from.
        public let source: Source

        public var primary: String { zones[0] }
    }

    /// Every candidate zone of a contact: its mailing state's zones (a split state's narrowed
    /// by its postal code when that is one of the state's), and its area code's, since people
    /// keep their mobile numbers when they move. Nil when neither gives a zone.
    public static func candidates(mailingState: String?, postalCode: String?, phone: PhoneNumber?) -> Candidates? {
        var zones: [String] = []
        var states: [String] = []
        var source: Source?
        func add(_ zone: String) {
            if !zones.contains(where: { sameClock($0, zone) }) { zones.append(zone) }
        }
        if let code = stateCode(mailingState), let zone = zonesByState[code] {
            states.append(code)
            if let split = SplitStateZones.zones(state: code, postalCode: postalCode) {
                split.zones.forEach(add)
                source = split.narrowed ? .postalCode : .mailingState
            } else {
                add(zone)
                source = .mailingState
            }
        }
        if let areaCode = phone?.areaCode {
            let areaZones = AreaCodeTimeZones.allZones(areaCode)
            if source == nil, !areaZones.isEmpty { source = .areaCode }
            areaZones.forEach(add)
            if let state = AreaCodeTimeZones.stateByAreaCode[areaCode], !states.contains(state) { states.append(state) }
        }
        guard let source, !zones.isEmpty else { return nil }
        return Candidates(zones: zones, states: states, source: source)
    }

    /// Every zone of an area code, its primary one first (`forAreaCode`); empty for
    /// non-geographic codes and codes not in service.
    public static func zones(forAreaCode areaCode: String) -> [String] {
        AreaCodeTimeZones.allZones(areaCode)
    }

    /// The two-letter code of a US state, DC or territory given as its code or its name, in
    /// any case ("fl", "Florida", "Washington, D.C."); nil for anything else.
    public static func stateCode(_ state: String?) -> String? {
        guard let state else { return nil }
        let key = state.lowercased()
            .filter { $0 != "." && $0 != "," }
            .split(whereSeparator: \.isWhitespace)
            .joined(separator: " ")
        let code = key.count == 2 ? key.uppercased() : stateCodesByName[key]
        return code.flatMap { zonesByState[$0] == nil ? nil : $0 }
    }

    /// True when two zones show the same local time on every day of 2026 and 2027 (New York
    /// and Detroit): a contact in either is called by the same clock.
    static func sameClock(_ a: String, _ b: String) -> Bool {
        if a == b { return true }
        let key = a < b ? "\(a)|\(b)" : "\(b)|\(a)"
        if let known = sameClockAnswers.withLock({ $0[key] }) { return known }
        var answer = false
        if let first = TimeZone(identifier: a), let second = TimeZone(identifier: b) {
            answer = clockSamples.allSatisfy { first.secondsFromGMT(for: $0) == second.secondsFromGMT(for: $0) }
        }
        sameClockAnswers.withLock { $0[key] = answer }
        return answer
    }

    /// Noon UTC on every day of 2026 and 2027: both sides of every daylight-saving change.
    static let clockSamples: [Date] = (0..<730).map { Date(timeIntervalSince1970: 1_767_268_800 + Double($0) * 86_400) }

    /// Answers of `sameClock`, by pair: an import asks the same few pairs for every contact.
    static let sameClockAnswers = Mutex<[String: Bool]>([:])

    /// The zone for a US state, DC or inhabited territory, given as its two-letter postal
    /// code or its name, in any case ("CA", "ca", "California", "Washington, D.C.").
    /// Nil for anything else, including Canadian provinces and military addresses.
    public static func forState(_ state: String?) -> String? {
        stateCode(state).flatMap { zonesByState[$0] }
    }

    /// The zone for a geographic NANP area code ("212"); nil for toll-free, premium and
    /// other non-geographic codes, and for codes not in service.
    public static func forAreaCode(_ areaCode: String) -> String? {
        AreaCodeTimeZones.zonesByAreaCode[areaCode]
    }

    /// The mailing state's zone if it names one, else the phone number's area code zone,
    /// else nil (an international number, an unknown state and no area code to go on): the
    /// primary zone alone, without the postal code. The import uses `candidates`.
    public static func resolve(mailingState: String?, phone: PhoneNumber?) -> (zone: String, source: Source)? {
        if let zone = forState(mailingState) { return (zone, .mailingState) }
        if let areaCode = phone?.areaCode, let zone = forAreaCode(areaCode) { return (zone, .areaCode) }
        return nil
    }

    /// Postal code to zone. Indiana and Kentucky are mostly Eastern, Tennessee, the
    /// Dakotas, Nebraska and Kansas mostly Central, Idaho and Oregon mostly in their
    /// southern and western zones respectively.
    static let zonesByState: [String: String] = [
        "AL": "America/Chicago", "AK": "America/Anchorage", "AZ": "America/Phoenix",
        "AR": "America/Chicago", "CA": "America/Los_Angeles", "CO": "America/Denver",
        "CT": "America/New_York", "DE": "America/New_York", "DC": "America/New_York",
        "FL": "America/New_York", "GA": "America/New_York", "HI": "Pacific/Honolulu",
        "ID": "America/Boise", "IL": "America/Chicago", "IN": "America/Indiana/Indianapolis",
        "IA": "America/Chicago", "KS": "America/Chicago", "KY": "America/New_York",
        "LA": "America/Chicago", "ME": "America/New_York", "MD": "America/New_York",
        "MA": "America/New_York", "MI": "America/Detroit", "MN": "America/Chicago",
        "MS": "America/Chicago", "MO": "America/Chicago", "MT": "America/Denver",
        "NE": "America/Chicago", "NV": "America/Los_Angeles", "NH": "America/New_York",
        "NJ": "America/New_York", "NM": "America/Denver", "NY": "America/New_York",
        "NC": "America/New_York", "ND": "America/Chicago", "OH": "America/New_York",
        "OK": "America/Chicago", "OR": "America/Los_Angeles", "PA": "America/New_York",
        "RI": "America/New_York", "SC": "America/New_York", "SD": "America/Chicago",
        "TN": "America/Chicago", "TX": "America/Chicago", "UT": "America/Denver",
        "VT": "America/New_York", "VA": "America/New_York", "WA": "America/Los_Angeles",
        "WV": "America/New_York", "WI": "America/Chicago", "WY": "America/Denver",
        "PR": "America/Puerto_Rico", "GU": "Pacific/Guam", "VI": "America/St_Thomas",
        "AS": "Pacific/Pago_Pago", "MP": "Pacific/Saipan",
    ]

    /// Names as `forState` sees them: lowercased, without dots or commas, single spaces.
    static let stateCodesByName: [String: String] = [
        "alabama": "AL", "alaska": "AK", "arizona": "AZ", "arkansas": "AR", "california": "CA",
        "colorado": "CO", "connecticut": "CT", "delaware": "DE", "florida": "FL", "georgia": "GA",
        "hawaii": "HI", "idaho": "ID", "illinois": "IL", "indiana": "IN", "iowa": "IA",
        "kansas": "KS", "kentucky": "KY", "louisiana": "LA", "maine": "ME", "maryland": "MD",
        "massachusetts": "MA", "michigan": "MI", "minnesota": "MN", "mississippi": "MS",
        "missouri": "MO", "montana": "MT", "nebraska": "NE", "nevada": "NV",
        "new hampshire": "NH", "new jersey": "NJ", "new mexico": "NM", "new york": "NY",
        "north carolina": "NC", "north dakota": "ND", "ohio": "OH", "oklahoma": "OK",
        "oregon": "OR", "pennsylvania": "PA", "rhode island": "RI", "south carolina": "SC",
        "south dakota": "SD", "tennessee": "TN", "texas": "TX", "utah": "UT", "vermont": "VT",
        "virginia": "VA", "washington": "WA", "west virginia": "WV", "wisconsin": "WI",
        "wyoming": "WY",
        "district of columbia": "DC", "washington dc": "DC",
        "puerto rico": "PR", "guam": "GU", "american samoa": "AS",
        "virgin islands": "VI", "us virgin islands": "VI", "united states virgin islands": "VI",
        "northern mariana islands": "MP", "commonwealth of the northern mariana islands": "MP",
    ]
}
