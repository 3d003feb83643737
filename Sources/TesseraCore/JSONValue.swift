import Foundation

/// Any JSON value. Used for free-form metadata and for building wire objects where
/// `null` must be written out rather than omitted.
///
/// Parse untrusted text with `JSONValue.parse(bytes:)`, never through `Decodable`: decoding
/// tries each case in turn, which costs time exponential in the nesting depth.
public enum JSONValue: Sendable, Equatable, Codable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    public var objectValue: [String: JSONValue]? {
        if case .object(let value) = self { return value }
        return nil
    }
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }
    public var intValue: Int? {
        if case .int(let value) = self { return Int(exactly: value) }
        return nil
    }
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }
    public var isNull: Bool { self == .null }

    public subscript(key: String) -> JSONValue? {
        objectValue?[key]
    }
}

extension JSONValue {
    public init(_ value: String?) { self = value.map(JSONValue.string) ?? .null }
    public init(_ value: Int?) { self = value.map { .int(Int64($0)) } ?? .null }
    public init(_ value: Bool) { self = .bool(value) }
    public init(_ value: UUID?) { self = value.map { .string($0.wire) } ?? .null }
    public init(_ value: Date?) { self = value.map { .string(Timestamp.format($0)) } ?? .null }
    public init(_ value: [String: JSONValue]?) { self = value.map(JSONValue.object) ?? .null }

    /// Parses JSON text; returns nil when it is not valid JSON or nests deeper than `maximumDepth`.
    public static func parse(_ data: Data) -> JSONValue? {
        try? parse(bytes: data)
    }

    /// Compact JSON text with sorted keys, so equal values give equal text.
    public func serialized() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(self) else { return "null" }
        return String(decoding: data, as: UTF8.self)
    }

    /// The length of this value as Python's `json.dumps` writes it (ASCII-escaped,
    /// `", "` and `": "` separators). Polar limits seat metadata by that length.
    public var pythonDumpsLength: Int {
        switch self {
        case .null: return 4
        case .bool(let value): return value ? 4 : 5
        case .int(let value): return String(value).count
        case .double(let value): return value.description.count
        case .string(let value): return Self.pythonStringLength(value)
        case .array(let items):
            if items.isEmpty { return 2 }
            return 2 + items.reduce(0) { $0 + $1.pythonDumpsLength } + (items.count - 1) * 2
        case .object(let members):
            if members.isEmpty { return 2 }
            let body = members.reduce(0) { $0 + Self.pythonStringLength($1.key) + 2 + $1.value.pythonDumpsLength }
            return 2 + body + (members.count - 1) * 2
        }
    }

    private static func pythonStringLength(_ string: String) -> Int {
        var length = 2
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"", "\\", "\n", "\r", "\t", "\u{08}", "\u{0C}": length += 2
            case _ where scalar.value < 0x20: length += 6
            case _ where scalar.value < 0x7F: length += 1
            case _ where scalar.value > 0xFFFF: length += 12
            default: length += 6
            }
        }
        return length
    }
}

/// ISO 8601 timestamps in UTC with microseconds, as Polar writes them.
public enum Timestamp {
    public static func format(_ date: Date) -> String {
        let micros = micros(date)
        let seconds = micros.quotientAndRemainder(dividingBy: 1_000_000)
        var wholeSeconds = seconds.quotient
        var fraction = seconds.remainder
        if fraction < 0 { fraction += 1_000_000; wholeSeconds -= 1 }
        let base = Date(timeIntervalSince1970: TimeInterval(wholeSeconds))
        let components = Calendar.utc.dateComponents([.year, .month, .day, .hour, .minute, .second], from: base)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
            components.year ?? 0, components.month ?? 0, components.day ?? 0,
            components.hour ?? 0, components.minute ?? 0, components.second ?? 0, Int(fraction))
    }

    /// Microseconds since 1970: how timestamps are stored, identically on both databases.
    /// Saturates at the ends of `Int64` instead of trapping, so no date can crash a request.
    public static func micros(_ date: Date) -> Int64 {
        let value = (date.timeIntervalSince1970 * 1_000_000).rounded(.down)
        guard !value.isNaN else { return 0 }
        if value >= 9.2e18 { return Int64.max }
        if value <= -9.2e18 { return Int64.min }
        return Int64(value)
    }

    public static func date(micros: Int64) -> Date {
        Date(timeIntervalSince1970: TimeInterval(micros) / 1_000_000)
    }
}

extension Calendar {
    static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? TimeZone(secondsFromGMT: 0) ?? calendar.timeZone
        return calendar
    }()
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByDictionaryLiteral, ExpressibleByArrayLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(nilLiteral: ()) { self = .null }
}
