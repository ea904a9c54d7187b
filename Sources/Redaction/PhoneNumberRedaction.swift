/// How a phone number is shown anywhere but the row that dials it: in logs, in error
/// messages stored for operators (`jobs.errors`, `call_attempts.error_message`,
/// `task_syncs.last_error`, `campaigns.import_error`) and so in every view `dialer_monitor`
/// reads. One function for all of them, so a message quoting a number (Twilio's refusals
/// quote the To number) is masked the same way wherever it ends up.
public enum PhoneNumberRedaction {
    /// `e164` (`+` and digits) with its middle hidden: the country code, the first three and
    /// last two digits of the national number (`+1415*****34`). Short national numbers show
    /// fewer digits, so that at least four stay hidden.
    public static func masked(_ e164: String) -> String {
        let digits = Array(e164.drop { $0 == "+" })
        let countryCode = digits.prefix(countryCodeLength(of: digits))
        let national = digits.dropFirst(countryCode.count)
        let tail = min(2, max(0, national.count - 4))
        let head = min(3, max(0, national.count - tail - 4))
        return "+" + String(countryCode) + String(national.prefix(head))
            + String(repeating: "*", count: national.count - head - tail)
            + String(national.suffix(tail))
    }

    /// `text` with every run of 8 to 15 digits (an optional `+` before it) masked: for
    /// messages from elsewhere, such as Twilio's errors, on their way to a log or a column.
    public static func redacting(_ text: String) -> String {
        text.replacing(/\+?[0-9]{8,15}/) { match in
            masked("+" + match.output.filter(\.isNumber))
        }
    }

    /// Two-digit E.164 country codes; "1" and "7" are the one-digit ones, all others have three.
    private static let twoDigitCountryCodes: Set<String> = [
        "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46",
        "47", "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63",
        "64", "65", "66", "81", "82", "84", "86", "90", "91", "92", "93", "94", "95", "98",
    ]

    /// Country codes are a prefix code, so the first digits alone tell how long it is.
    private static func countryCodeLength(of digits: [Character]) -> Int {
        guard let first = digits.first else { return 0 }
        if first == "1" || first == "7" { return 1 }
        return twoDigitCountryCodes.contains(String(digits.prefix(2))) ? 2 : 3
    }
}
