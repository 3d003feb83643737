import Foundation
import Testing
import TesseraJSON

@Suite struct TimestampTests {
    @Test func timestampsAreUTCWithMicroseconds() {
        #expect(Timestamp.format(Date(timeIntervalSince1970: 1_800_000_000.25)) == "2027-01-15T08:00:00.250000Z")
        #expect(Timestamp.date(micros: Timestamp.micros(Date(timeIntervalSince1970: 12.5))) == Date(timeIntervalSince1970: 12.5))
    }

    /// The hand-written formatter agrees with Foundation's calendar on random instants from
    /// 1900 to 2150 (where a `Date` still holds whole microseconds), leap days and the ends of
    /// days included.
    @Test func formatAgreesWithFoundationsCalendar() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "UTC"))
        var generator = SystemRandomNumberGenerator()
        let fixed: [Int64] = [0, -1, 86_399_999_999, 951_782_400_000_000, 4_107_542_399_999_999, -2_208_988_800_000_000]
        let random = (0..<2_000).map { _ in
            Int64.random(in: -2_208_988_800_000_000...5_680_281_600_000_000, using: &generator)
        }
        for micros in fixed + random {
            let date = Timestamp.date(micros: micros)
            let stored = Timestamp.micros(date)
            let (seconds, fraction) = stored.quotientAndRemainder(dividingBy: 1_000_000)
            let whole = fraction < 0 ? seconds - 1 : seconds
            let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second],
                                                from: Date(timeIntervalSince1970: TimeInterval(whole)))
            let expected = String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", parts.year ?? 0, parts.month ?? 0,
                                  parts.day ?? 0, parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0,
                                  Int(fraction < 0 ? fraction + 1_000_000 : fraction))
            #expect(Timestamp.format(date) == expected, "\(micros)")
        }
    }

    /// Before 1582 the formatter stays proleptic Gregorian, as ISO 8601 and the parser are
    /// (Foundation's calendar switches to Julian there), so old dates read back unchanged.
    @Test func earlyDatesAreProlepticGregorian() throws {
        for text in ["0001-01-01T00:00:00.000000Z", "1582-10-04T12:00:00.000000Z", "0400-02-29T23:59:59.000000Z"] {
            let date = try #require(Timestamp.parse(text))
            #expect(Timestamp.format(date) == text)
        }
    }

    @Test func parseReadsWhatFormatWritesToTheMicrosecond() throws {
        // Dates of this century, and instants near 1970 and 1973 where a Double holds whole
        // microseconds inexactly enough that rounding down lost one (micros rounds to the nearest).
        for micros: Int64 in [0, 1_780_000_000_123_456, 1_780_000_000_000_001, 1_800_000_000_999_999, -1_500_000,
                              123_457, 107_205_407_000_001] {
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

    @Test func emailDatesAreWhatAPOSIXDateFormatterWrites() {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        // Both sides of 1970, a leap day, the ends of days and years, and a spread of others.
        var dates = [-86_400.5, -1, 0, 59.999, 951_782_400, 1_709_208_000, 1_798_761_599, 1_798_761_600]
            .map { Date(timeIntervalSince1970: $0) }
        dates += (0..<200).map { Date(timeIntervalSince1970: Double($0) * 9_876_543.21 - 400_000_000) }
        for date in dates {
            // Whole seconds, as the header shows them: the formatter rounds down too.
            #expect(Timestamp.emailDate(date) == formatter.string(from: date), "\(date.timeIntervalSince1970)")
        }
    }
}
