import Foundation
import Testing

@testable import Twilio

@Suite struct FormEncodingTests {
    @Test func formsRoundTripWithRepeatedNamesReservedCharactersAndUnicode() {
        let pairs = [
            ("StatusCallbackEvent", "initiated"), ("StatusCallbackEvent", "ringing"), ("Url", "https://h.example/v?a=1&b=2"),
            ("Caller", "+14155550100"), ("Name", "Zoë Ångström 日本"), ("Empty", ""), ("Odd", "100% ~ok~ a_b.c-d"),
        ]
        let encoded = FormEncoding.encode(pairs)
        #expect(
            encoded.hasPrefix(
                "StatusCallbackEvent=initiated&StatusCallbackEvent=ringing&Url=https%3A%2F%2Fh.example%2Fv%3Fa%3D1%26b%3D2&Caller=%2B14155550100"
            )
        )
        #expect(encoded.contains("Name=Zo%C3%AB%20%C3%85ngstr%C3%B6m%20%E6%97%A5%E6%9C%AC"))
        #expect(encoded.contains("Odd=100%25%20~ok~%20a_b.c-d"))
        let decoded = FormEncoding.decode(encoded)
        #expect(decoded.map(\.0) == pairs.map(\.0))
        #expect(decoded.map(\.1) == pairs.map(\.1))
    }

    @Test func decodingTakesPlusAsSpaceAndKeepsWhatIsNotAnEscape() {
        let decoded = FormEncoding.decode("a=1+2&b=%2B1&c=50%&d=%ZZ&e&=f&&g=%e6%97%a5")
        #expect(decoded.map(\.0) == ["a", "b", "c", "d", "e", "", "g"])
        #expect(decoded.map(\.1) == ["1 2", "+1", "50%", "%ZZ", "", "f", "日"])
    }

    @Test func percentEncodingLeavesOnlyUnreservedASCII() {
        #expect(FormEncoding.percentEncode("AZaz09-._~") == "AZaz09-._~")
        #expect(FormEncoding.percentEncode("é /?#[]@!$&'()*+,;=") == "%C3%A9%20%2F%3F%23%5B%5D%40%21%24%26%27%28%29%2A%2B%2C%3B%3D")
    }
}

@Suite struct TwilioDateTests {
    @Test func knownInstantsFormatAndParseAsTwilioWritesThem() {
        #expect(TwilioDate.string(from: Date(timeIntervalSince1970: 1_795_568_619)) == "Wed, 25 Nov 2026 01:03:39 +0000")
        #expect(TwilioDate.string(from: Date(timeIntervalSince1970: 1_709_251_199)) == "Thu, 29 Feb 2024 23:59:59 +0000")
        #expect(TwilioDate.string(from: Date(timeIntervalSince1970: 0)) == "Thu, 01 Jan 1970 00:00:00 +0000")
        #expect(TwilioDate.date(from: "Wed, 25 Nov 2026 01:03:39 +0000") == Date(timeIntervalSince1970: 1_795_568_619))
        // Other offsets and no weekday are RFC 2822 too.
        #expect(TwilioDate.date(from: "24 Nov 2026 20:03:39 -0500") == Date(timeIntervalSince1970: 1_795_568_619))
        #expect(TwilioDate.date(from: "Wed, 25 Nov 2026 02:33:39 +0130") == Date(timeIntervalSince1970: 1_795_568_619))
    }

    @Test func malformedDatesAreNil() {
        for text in [
            "", "yesterday", "Wed, 25 Foo 2026 01:03:39 +0000", "Wed, 32 Nov 2026 01:03:39 +0000",
            "Wed, 25 Nov 2026 25:03:39 +0000", "Wed, 25 Nov 2026 01:03 +0000", "Wed, 25 Nov 2026 01:03:39 UTC",
        ] {
            #expect(TwilioDate.date(from: text) == nil, "\(text)")
        }
    }

    /// Against Foundation's formatter, over a century of instants.
    @Test func agreesWithDateFormatter() {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let date = Date(timeIntervalSince1970: TimeInterval(Int64.random(in: 0..<4_102_444_800, using: &generator)))
            #expect(TwilioDate.string(from: date) == formatter.string(from: date))
            #expect(TwilioDate.date(from: formatter.string(from: date)) == date)
        }
    }
}
