import Foundation

/// API timestamps: ISO 8601 in UTC with microseconds (`2026-04-01T12:00:00.123456Z`), as Polar
/// writes them. The server writes every timestamp with ``format(_:)`` and the SDK sends dates
/// with it too; ``parse(_:)`` reads them back (and Polar's variants).
public enum Timestamp {
    /// `2026-04-01T12:00:00.123456Z`. Sub-microsecond parts are rounded, as ``micros(_:)``
    /// rounds them, so a date formats the same before and after it is stored.
    public static func format(_ date: Date) -> String {
        var text: [UInt8] = []
        text.reserveCapacity(27)
        write(date, to: &text)
        return String(decoding: text, as: UTF8.self)
    }

    /// Appends ``format(_:)``'s text to `bytes` in ASCII, digit by digit into a buffer on the
    /// stack and then in one append: `String(format:)` was a sixth of the cost of a long list.
    public static func write(_ date: Date, to bytes: inout [UInt8]) {
        let micros = micros(date)
        let seconds = micros.quotientAndRemainder(dividingBy: 1_000_000)
        var wholeSeconds = seconds.quotient
        var fraction = seconds.remainder
        if fraction < 0 { fraction += 1_000_000; wholeSeconds -= 1 }
        let (days, secondOfDay) = wholeSeconds.quotientAndRemainder(dividingBy: 86_400)
        let (day, second) = secondOfDay < 0 ? (days - 1, secondOfDay + 86_400) : (days, secondOfDay)
        let date = civil(fromDays: Int(day))
        // The year of an Int64 of microseconds has at most 6 digits: 48 bytes always suffice.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 48) { text in
            var position = 0
            func put(_ character: Unicode.Scalar) {
                text[position] = UInt8(ascii: character)
                position += 1
            }
            if date.year < 0 { put("-") }
            pad(abs(date.year), to: date.year < 0 ? 3 : 4, into: text, at: &position)
            put("-")
            pad(date.month, to: 2, into: text, at: &position)
            put("-")
            pad(date.day, to: 2, into: text, at: &position)
            put("T")
            pad(Int(second / 3600), to: 2, into: text, at: &position)
            put(":")
            pad(Int(second % 3600 / 60), to: 2, into: text, at: &position)
            put(":")
            pad(Int(second % 60), to: 2, into: text, at: &position)
            put(".")
            pad(Int(fraction), to: 6, into: text, at: &position)
            put("Z")
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[..<position]))
        }
    }

    /// An email's `Date` header in UTC (RFC 5322: `Wed, 02 Dec 2026 06:14:50 +0000`), from the
    /// same calendar arithmetic as ``format(_:)``: a `DateFormatter` cost more than the rest of
    /// rendering the message.
    public static func emailDate(_ date: Date) -> String {
        let wholeSeconds = floorDivision(Int(micros(date)), 1_000_000).quotient
        let (days, second) = floorDivision(wholeSeconds, 86_400)
        let civil = civil(fromDays: days)
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(weekdays[floorDivision(days, 7).remainder]), \(two(civil.day)) \(months[civil.month - 1]) \(civil.year) "
            + "\(two(second / 3600)):\(two(second % 3600 / 60)):\(two(second % 60)) +0000"
    }

    private static let weekdays = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]  // 1970-01-01 was a Thursday
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `value` divided by `divisor` rounding down, with a remainder in `0..<divisor`.
    private static func floorDivision(_ value: Int, _ divisor: Int) -> (quotient: Int, remainder: Int) {
        let (quotient, remainder) = value.quotientAndRemainder(dividingBy: divisor)
        return remainder < 0 ? (quotient - 1, remainder + divisor) : (quotient, remainder)
    }

    /// Microseconds since 1970: how timestamps are stored, identically on both databases.
    /// Rounded to the nearest: a `Date` made from stored microseconds (``date(micros:)``) can
    /// sit a hair below them, and rounding down would then lose one on every round trip.
    /// Saturates at the ends of `Int64` instead of trapping, so no date can crash a request.
    public static func micros(_ date: Date) -> Int64 {
        let value = (date.timeIntervalSince1970 * 1_000_000).rounded()
        guard !value.isNaN else { return 0 }
        if value >= 9.2e18 { return Int64.max }
        if value <= -9.2e18 { return Int64.min }
        return Int64(value)
    }

    /// The date `micros` microseconds after 1970.
    public static func date(micros: Int64) -> Date {
        Date(timeIntervalSince1970: TimeInterval(micros) / 1_000_000)
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction][Z|±HH:MM|±HHMM]`: any number of fraction digits,
    /// `Z` or a numeric offset, a missing zone meaning UTC; nil for anything else. Lenient so
    /// that the SDK reads Polar's timestamps as well as Tessera's.
    public static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        var index = 0

        func number(_ digits: Int) -> Int? {
            guard index + digits <= bytes.count else { return nil }
            var value = 0
            for _ in 0..<digits {
                let byte = bytes[index]
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
                index += 1
            }
            return value
        }
        func expect(_ characters: String) -> Bool {
            guard index < bytes.count, characters.utf8.contains(bytes[index]) else { return false }
            index += 1
            return true
        }

        guard let year = number(4), expect("-"), let month = number(2), expect("-"), let day = number(2),
              expect("Tt "), let hour = number(2), expect(":"), let minute = number(2), expect(":"),
              let second = number(2),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second <= 60
        else { return nil }

        var fraction = 0.0
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") || bytes[index] == UInt8(ascii: ",") {
            index += 1
            var scale = 0.1
            let start = index
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                fraction += Double(bytes[index] - 48) * scale
                scale /= 10
                index += 1
            }
            guard index > start else { return nil }
        }

        var offsetSeconds = 0
        if index < bytes.count {
            if expect("Zz") {
                // UTC
            } else if bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                let sign = bytes[index] == UInt8(ascii: "-") ? -1 : 1
                index += 1
                guard let hours = number(2) else { return nil }
                _ = expect(":")
                guard let minutes = number(2) else { return nil }
                offsetSeconds = sign * (hours * 3600 + minutes * 60)
            } else {
                return nil
            }
        }
        guard index == bytes.count else { return nil }

        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }

    /// Writes `value` (at least 0) in decimal at `position`, with leading zeros up to `width`
    /// digits, and moves `position` past it.
    private static func pad(_ value: Int, to width: Int, into text: UnsafeMutableBufferPointer<UInt8>, at position: inout Int) {
        var count = 1
        var rest = value / 10
        while rest > 0 { count += 1; rest /= 10 }
        let length = max(width, count)
        var remaining = value
        for index in stride(from: position + length - 1, through: position, by: -1) {
            text[index] = UInt8(ascii: "0") + UInt8(remaining % 10)
            remaining /= 10
        }
        position += length
    }

    /// The proleptic Gregorian date `days` days after 1970-01-01 (Howard Hinnant's algorithm,
    /// the inverse of ``daysFromCivil(year:month:day:)``).
    static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm), so
    /// parsing needs no `Calendar`.
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
