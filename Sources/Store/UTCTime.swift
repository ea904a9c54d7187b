import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Instants written in UTC to the second, by hand: `Date.formatted(.iso8601)` and the ICU
/// formatters behind it took a fifth of the time of a page of 50 calls.
public enum UTCTime {
    /// `2026-12-07T01:23:45Z` (RFC 3339), or with another separator and zone designator
    /// (`2026-12-07 01:23:45 UTC`, as the console shows times).
    public static func format(_ date: Date, separator: String = "T", zone: String = "Z") -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        guard gmtime_r(&seconds, &parts) != nil else { return "\(date)" }
        var text = ""
        text.reserveCapacity(24)
        func append(_ value: Int32, width: Int) {
            let digits = String(value)
            if digits.utf8.count < width { text += String(repeating: "0", count: width - digits.utf8.count) }
            text += digits
        }
        append(parts.tm_year + 1900, width: 4)
        text += "-"
        append(parts.tm_mon + 1, width: 2)
        text += "-"
        append(parts.tm_mday, width: 2)
        text += separator
        append(parts.tm_hour, width: 2)
        text += ":"
        append(parts.tm_min, width: 2)
        text += ":"
        append(parts.tm_sec, width: 2)
        text += zone
        return text
    }
}
