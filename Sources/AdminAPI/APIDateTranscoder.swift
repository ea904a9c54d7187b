import Foundation
import OpenAPIRuntime
import Store

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// RFC 3339 dates as the API writes them (`2026-12-07T01:23:45Z`, UTC, whole seconds: what the
/// runtime's default writes), by hand (`UTCTime`): the default goes through ICU. Reading takes
/// that form fast and any other RFC 3339 form (an offset, fractional seconds) through the
/// runtime's own transcoder.
struct APIDateTranscoder: DateTranscoder {
    func encode(_ date: Date) throws -> String {
        UTCTime.format(date)
    }

    func decode(_ text: String) throws -> Date {
        if let date = Self.fastDecode(text) { return date }
        return try ISO8601DateTranscoder.iso8601.decode(text)
    }

    /// `YYYY-MM-DDTHH:MM:SSZ` exactly, else nil.
    static func fastDecode(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count == 20, bytes[4] == 0x2D, bytes[7] == 0x2D, bytes[10] == 0x54, bytes[13] == 0x3A, bytes[16] == 0x3A, bytes[19] == 0x5A
        else { return nil }
        func number(_ range: Range<Int>) -> Int32? {
            var value: Int32 = 0
            for index in range {
                let byte = bytes[index]
                guard (0x30...0x39).contains(byte) else { return nil }
                value = value * 10 + Int32(byte - 0x30)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), let hour = number(11..<13),
            let minute = number(14..<16), let second = number(17..<19), (1...12).contains(month), (1...31).contains(day), hour < 24,
            minute < 60, second < 60
        else { return nil }
        var parts = tm()
        parts.tm_year = year - 1900
        parts.tm_mon = month - 1
        parts.tm_mday = day
        parts.tm_hour = hour
        parts.tm_min = minute
        parts.tm_sec = second
        let seconds = timegm(&parts)
        // timegm normalises 31 February into March: such a date is not one.
        guard parts.tm_mday == day, parts.tm_mon == month - 1 else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }
}

extension Configuration {
    /// The API's: compact JSON (its readers are programs; `jq` pretty-prints for people), with
    /// `APIDateTranscoder`.
    static let api = Configuration(dateTranscoder: APIDateTranscoder(), jsonEncodingOptions: [])
}
