import Foundation

/// `application/x-www-form-urlencoded`, as Twilio sends and takes it: pairs in order, a name
/// repeated once per value (StatusCallbackEvent), `+` for a space on the way in.
public enum FormEncoding {
    public static func encode(_ pairs: [(String, String)]) -> String {
        pairs.map { "\(percentEncode($0.0))=\(percentEncode($0.1))" }.joined(separator: "&")
    }

    public static func decode(_ body: String) -> [(String, String)] {
        body.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map {
                String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
            }
            return (parts[0], parts.count > 1 ? parts[1] : "")
        }
    }

    /// Everything but RFC 3986's unreserved characters escaped: safe in a query and a form.
    public static func percentEncode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
    }
}

/// Twilio's date format, in its REST answers and its callbacks' `Timestamp`:
/// `Wed, 25 Nov 2026 01:03:39 +0000`.
public enum TwilioDate {
    public static func string(from date: Date) -> String { formatter().string(from: date) }

    public static func date(from text: String) -> Date? { formatter().date(from: text) }

    // A new formatter per use: DateFormatter is not Sendable, and dates are not a hot path here.
    static func formatter() -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return formatter
    }
}
