import Foundation
import Testing

@testable import AdminAPI

/// The API's hand-written RFC 3339 dates read and write what the ICU formatter did.
@Suite struct APIDateTranscoderTests {
    let transcoder = APIDateTranscoder()

    @Test func writesWhatTheISO8601FormatterWritesAndReadsItBack() throws {
        var generator = SystemRandomNumberGenerator()
        let reference = Date.ISO8601FormatStyle()
        // From 1901 to 2200, and the edges of leap days and years.
        var dates = (0..<2_000).map { _ in Date(timeIntervalSince1970: Double.random(in: -2_000_000_000...7_000_000_000, using: &generator)) }
        dates += ["2024-02-29T23:59:59Z", "2000-01-01T00:00:00Z", "1969-12-31T23:59:59Z", "2100-03-01T00:00:00Z"].map { try! reference.parse($0) }
        for date in dates {
            let text = try transcoder.encode(date)
            #expect(text == reference.format(date), "\(date.timeIntervalSince1970)")
            #expect(try transcoder.decode(text) == Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down)))
        }
    }

    @Test func readsOffsetsAndFractionsThroughTheRuntimeAndRefusesNonDates() throws {
        #expect(try transcoder.decode("2026-12-07T03:23:45+02:00") == transcoder.decode("2026-12-07T01:23:45Z"))
        // The fast path takes only real dates; the runtime's (ICU's) reading, which the rest goes
        // through, rolls 31 February over into March, as it did before.
        #expect(APIDateTranscoder.fastDecode("2026-02-31T00:00:00Z") == nil)
        #expect(APIDateTranscoder.fastDecode("2026-12-07T24:00:00Z") == nil)
        for text in ["2026-13-01T00:00:00Z", "2026-12-07 01:23:45Z", "yesterday", ""] {
            #expect(throws: (any Error).self, "\(text)") { try transcoder.decode(text) }
        }
    }
}
