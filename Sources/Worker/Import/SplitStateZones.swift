import Foundation

/// States that span a zone line, and the postal codes that say which side a contact lives on.
///
/// A mailing state alone gives every zone of its state; a postal code of that state narrows
/// it to the zone (or zones) of its three-digit prefix, or of one five-digit code where a
/// prefix straddles the line. The table is coarse on purpose: a prefix that holds counties on
/// both sides keeps both zones, which costs an hour of calling, never a call outside the
/// window. Its limits: county lines are not followed inside a prefix; Arizona's Navajo Nation
/// and Nevada's West Wendover are left to their area codes; a postal code of another state
/// (a data-entry slip, a PO box across the line) says nothing and keeps every zone.
enum SplitStateZones {
    struct Entry {
        /// Every zone of the state, the most populous first.
        let zones: [String]
        /// The state's three-digit ZIP prefixes: a code outside them is not the state's.
        let prefixes: [ClosedRange<Int>]
        /// Prefixes (three or five digits) whose zones are not the state's first one; the
        /// longest match wins. A valid code that matches none is in the first zone.
        let exceptions: [String: [String]]
    }

    static let eastern = "America/New_York", central = "America/Chicago", mountain = "America/Denver"
    static let pacific = "America/Los_Angeles", boise = "America/Boise"

    static let entries: [String: Entry] = [
        "FL": Entry(
            zones: [eastern, central],
            prefixes: [320...349],
            exceptions: [
                "324": [central], "325": [central],  // Panama City, Pensacola
                "32456": [eastern], "32457": [eastern],  // Port St. Joe, east of the line in Gulf County
            ]
        ),
        "TX": Entry(
            zones: [central, mountain],
            prefixes: [733...733, 750...799, 885...885],
            exceptions: [
                "799": [mountain], "885": [mountain],  // El Paso
                "798": [central, mountain],  // Hudspeth (Mountain) and the Big Bend (Central)
            ]
        ),
        "KY": Entry(
            zones: [eastern, central],
            prefixes: [400...427],
            exceptions: [
                "420": [central], "421": [central], "422": [central], "423": [central], "424": [central],
                "426": [eastern, central], "427": [eastern, central],
            ]
        ),
        "TN": Entry(
            zones: [central, eastern],
            prefixes: [370...385],
            exceptions: [
                "374": [eastern], "376": [eastern], "377": [eastern], "378": [eastern], "379": [eastern],
                "373": [central, eastern],
            ]
        ),
        "IN": Entry(
            zones: ["America/Indiana/Indianapolis", central],
            prefixes: [460...479],
            exceptions: [
                "463": [central], "464": [central], "476": [central], "477": [central],
                "465": ["America/Indiana/Indianapolis", central], "475": ["America/Indiana/Indianapolis", central],
                "479": ["America/Indiana/Indianapolis", central],
            ]
        ),
        "MI": Entry(
            zones: ["America/Detroit", "America/Menominee"],
            prefixes: [480...499],
            exceptions: [
                "498": ["America/Detroit", "America/Menominee"], "499": ["America/Detroit", "America/Menominee"],
            ]
        ),
        "ND": Entry(
            zones: [central, mountain],
            prefixes: [580...588],
            exceptions: [
                "586": [mountain], "585": [central, mountain], "588": [central, mountain],
            ]
        ),
        "SD": Entry(
            zones: [central, mountain],
            prefixes: [570...577],
            exceptions: [
                "577": [mountain], "575": [central, mountain], "576": [central, mountain],
            ]
        ),
        "NE": Entry(
            zones: [central, mountain],
            prefixes: [680...693],
            exceptions: [
                "693": [mountain], "690": [central, mountain], "691": [central, mountain], "692": [central, mountain],
            ]
        ),
        "KS": Entry(
            zones: [central, mountain],
            prefixes: [660...679],
            exceptions: [
                "677": [central, mountain], "678": [central, mountain],
            ]
        ),
        "OR": Entry(
            zones: [pacific, boise],
            prefixes: [970...979],
            exceptions: [
                "979": [pacific, boise]
            ]
        ),
        "ID": Entry(
            zones: [boise, pacific],
            prefixes: [832...838],
            exceptions: [
                "838": [pacific], "835": [boise, pacific],
            ]
        ),
        "AK": Entry(
            zones: ["America/Anchorage", "America/Adak"],
            prefixes: [995...999],
            exceptions: [
                "99546": ["America/Adak"], "99547": ["America/Adak"],  // Adak, Atka
            ]
        ),
    ]

    /// The zones of a split state's contact: narrowed by the postal code when it is one of
    /// the state's, else every zone of the state. Nil for a state that is not split.
    static func zones(state: String, postalCode: String?) -> (zones: [String], narrowed: Bool)? {
        guard let entry = entries[state] else { return nil }
        guard let digits = fiveDigits(postalCode), let prefix = Int(digits.prefix(3)),
            entry.prefixes.contains(where: { $0.contains(prefix) })
        else { return (entry.zones, false) }
        let zones = entry.exceptions[digits] ?? entry.exceptions[String(digits.prefix(3))] ?? [entry.zones[0]]
        return (zones, true)
    }

    /// The five-digit ZIP code at the start of a postal code ("32501", "32501-1234"), or nil.
    static func fiveDigits(_ postalCode: String?) -> String? {
        guard let text = postalCode?.trimmingCharacters(in: .whitespaces) else { return nil }
        let head = text.prefix(5)
        guard head.count == 5, head.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        if text.count > 5, let next = text.dropFirst(5).first, next.isNumber { return nil }  // not a ZIP code
        return String(head)
    }
}
