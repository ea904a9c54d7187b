import Foundation

/// The time zone a contact is called in, so that calling hours are the contact's hours.
///
/// The mailing state is the better witness: people keep their mobile number when they
/// move, so an area code only says where a number was first handed out. The area code is
/// the fallback for contacts without a usable state. Every answer is an IANA identifier
/// that `TimeZone(identifier:)` accepts.
///
/// A state or area code that spans two zones gets the zone where most of its people live
/// (Florida is Eastern, its panhandle area codes Central); callers that need certainty at
/// the edges of the calling window should leave an hour of margin.
public enum CallingTimeZone {
    /// Where a resolved zone came from, recorded with the contact for auditing.
    public enum Source: String, Sendable {
        case mailingState = "mailing_state"
        case areaCode = "area_code"
    }

    /// The zone for a US state, DC or inhabited territory, given as its two-letter postal
    /// code or its name, in any case ("CA", "ca", "California", "Washington, D.C.").
    /// Nil for anything else, including Canadian provinces and military addresses.
    public static func forState(_ state: String?) -> String? {
        guard let state else { return nil }
        let key = state.lowercased()
            .filter { $0 != "." && $0 != "," }
            .split(whereSeparator: \.isWhitespace)
            .joined(separator: " ")
        let code = key.count == 2 ? key.uppercased() : stateCodesByName[key]
        return code.flatMap { zonesByState[$0] }
    }

    /// The zone for a geographic NANP area code ("212"); nil for toll-free, premium and
    /// other non-geographic codes, and for codes not in service.
    public static func forAreaCode(_ areaCode: String) -> String? {
        AreaCodeTimeZones.zonesByAreaCode[areaCode]
    }

    /// The mailing state's zone if it names one, else the phone number's area code zone,
    /// else nil (an international number, an unknown state and no area code to go on).
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
