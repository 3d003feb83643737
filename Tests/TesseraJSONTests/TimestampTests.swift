import Foundation
import Testing
import TesseraJSON

@Suite struct TimestampTests {
    @Test func timestampsAreUTCWithMicroseconds() {
        #expect(Timestamp.format(Date(timeIntervalSince1970: 1_800_000_000.25)) == "2027-01-15T08:00:00.250000Z")
        #expect(Timestamp.date(micros: Timestamp.micros(Date(timeIntervalSince1970: 12.5))) == Date(timeIntervalSince1970: 12.5))
    }

    @Test func parseReadsWhatFormatWritesToTheMicrosecond() throws {
        // Dates of this century, as the API carries them. (Within a second of 1970 a Double holds
        // whole microseconds inexactly enough that rounding down can lose one; no stored date is there.)
        for micros: Int64 in [0, 1_780_000_000_123_456, 1_780_000_000_000_001, 1_800_000_000_999_999, -1_500_000] {
            let text = Timestamp.format(Timestamp.date(micros: micros))
            let parsed = try #require(Timestamp.parse(text), "\(text)")
            #expect(Timestamp.micros(parsed) == micros, "\(text)")
            #expect(Timestamp.format(parsed) == text)
        }
    }

    @Test func parseAcceptsPolarsVariantsAndRefusesTheRest() {
        let noon = Date(timeIntervalSince1970: 1_775_044_800)   // 2026-04-01T12:00:00Z
        #expect(Timestamp.parse("2026-04-01T12:00:00Z") == noon)
        #expect(Timestamp.parse("2026-04-01T12:00:00") == noon)
        #expect(Timestamp.parse("2026-04-01T14:00:00+02:00") == noon)
        #expect(Timestamp.parse("2026-04-01T07:00:00-0500") == noon)
        #expect(Timestamp.parse("2026-04-01T12:00:00.5Z") == noon.addingTimeInterval(0.5))
        for text in ["", "2026-04-01", "2026-13-01T12:00:00Z", "2026-04-01T24:00:00Z", "2026-04-01T12:00:00.Z",
                     "2026-04-01T12:00:00Zjunk", "2026-04-01T12:00:00+2"] {
            #expect(Timestamp.parse(text) == nil, "\(text)")
        }
    }
}
