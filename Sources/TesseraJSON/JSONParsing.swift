import Foundation

/// Why a JSON text was refused.
public enum JSONParseError: Error, Equatable, Sendable {
    /// Not JSON: a syntax error, invalid UTF-8, a lone surrogate escape, or a number
    /// too large for a 64-bit float. `offset` is the byte where reading stopped.
    case invalid(offset: Int)
    /// Arrays and objects nested deeper than the allowed depth.
    case tooDeep(maximumDepth: Int)
    /// More arrays, objects and object keys in all than allowed.
    case tooManyParts(maximum: Int)
}

extension JSONValue {
    /// How deep request bodies may nest arrays and objects. Polar's shapes need three levels;
    /// the limit keeps a hostile body from costing more than its length.
    public static let maximumDepth = 64

    /// Parses JSON text in one pass, in time linear in its length whatever its shape.
    ///
    /// Duplicate keys keep the last value (as Python's `json` does). Integers that fit in 64
    /// bits are `.int`; other numbers are `.double`.
    ///
    /// `maximumParts` bounds how many arrays, objects and object keys the text may hold in all:
    /// each costs an allocation, so a body made of nothing else would cost several times a flat
    /// one of the same length. Scalars inside arrays are not counted.
    public static func parse(bytes: some Collection<UInt8>, maximumDepth: Int = JSONValue.maximumDepth,
                             maximumParts: Int = .max) throws(JSONParseError) -> JSONValue
    {
        let buffer = Array(bytes)
        var parser = JSONTextParser(bytes: buffer, maximumDepth: maximumDepth, maximumParts: maximumParts)
        return try parser.parseDocument()
    }
}

/// A recursive-descent parser over UTF-8 bytes. Recursion depth is bounded by `maximumDepth`,
/// so the stack cannot be exhausted by nesting.
private struct JSONTextParser {
    let bytes: [UInt8]
    let maximumDepth: Int
    let maximumParts: Int
    var index = 0
    var parts = 0

    init(bytes: [UInt8], maximumDepth: Int, maximumParts: Int) {
        self.maximumParts = maximumParts
        self.bytes = bytes
        self.maximumDepth = maximumDepth
    }

    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        skipWhitespace()
        let value = try parseValue(depth: 0)
        skipWhitespace()
        guard index == bytes.count else { throw invalid() }
        return value
    }

    private func invalid() -> JSONParseError { .invalid(offset: index) }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
        guard index < bytes.count else { throw invalid() }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw invalid()
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let count = literal.utf8CodeUnitCount
        guard bytes.count - index >= count else { throw invalid() }
        let expected = UnsafeBufferPointer(start: literal.utf8Start, count: count)
        for offset in 0..<count where bytes[index + offset] != expected[offset] { throw invalid() }
        index += count
    }

    /// Counts one array, object or key against `maximumParts`.
    private mutating func countPart() throws(JSONParseError) {
        parts += 1
        guard parts <= maximumParts else { throw .tooManyParts(maximum: maximumParts) }
    }

    private mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= maximumDepth else { throw .tooDeep(maximumDepth: maximumDepth) }
        try countPart()
        index += 1
        var members: [String: JSONValue] = [:]
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw invalid() }
            try countPart()
            let key = try parseString()
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw invalid() }
            index += 1
            skipWhitespace()
            members[key] = try parseValue(depth: depth)
            skipWhitespace()
            guard index < bytes.count else { throw invalid() }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
            throw invalid()
        }
    }

    private mutating func parseArray(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= maximumDepth else { throw .tooDeep(maximumDepth: maximumDepth) }
        try countPart()
        index += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return .array(items)
        }
        while true {
            skipWhitespace()
            items.append(try parseValue(depth: depth))
            skipWhitespace()
            guard index < bytes.count else { throw invalid() }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
            throw invalid()
        }
    }

    private mutating func parseString() throws(JSONParseError) -> String {
        index += 1  // the opening quote
        let start = index
        // Fast path: no escapes, so the bytes between the quotes are the string.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                guard let text = String(validating: bytes[start..<index], as: UTF8.self) else { throw invalid() }
                index += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw invalid() }
            index += 1
        }
        var decoded = Array(bytes[start..<index])
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                guard let text = String(validating: decoded, as: UTF8.self) else { throw invalid() }
                index += 1
                return text
            case UInt8(ascii: "\\"):
                index += 1
                guard index < bytes.count else { throw invalid() }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""): decoded.append(0x22)
                case UInt8(ascii: "\\"): decoded.append(0x5C)
                case UInt8(ascii: "/"): decoded.append(0x2F)
                case UInt8(ascii: "b"): decoded.append(0x08)
                case UInt8(ascii: "f"): decoded.append(0x0C)
                case UInt8(ascii: "n"): decoded.append(0x0A)
                case UInt8(ascii: "r"): decoded.append(0x0D)
                case UInt8(ascii: "t"): decoded.append(0x09)
                case UInt8(ascii: "u"): decoded.append(contentsOf: try parseUnicodeEscape())
                default: throw invalid()
                }
            default:
                if byte < 0x20 { throw invalid() }
                decoded.append(byte)
                index += 1
            }
        }
        throw invalid()
    }

    /// After `\u`: four hex digits, and a second `\uXXXX` for a surrogate pair. A lone
    /// surrogate is no Unicode scalar, so it is refused rather than silently replaced.
    private mutating func parseUnicodeEscape() throws(JSONParseError) -> [UInt8] {
        let first = try parseHex4()
        var value = first
        if (0xD800...0xDBFF).contains(first) {
            guard bytes.count - index >= 6, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
            else { throw invalid() }
            index += 2
            let second = try parseHex4()
            guard (0xDC00...0xDFFF).contains(second) else { throw invalid() }
            value = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
        } else if (0xDC00...0xDFFF).contains(first) {
            throw invalid()
        }
        guard let scalar = Unicode.Scalar(value) else { throw invalid() }
        return Array(String(Character(scalar)).utf8)
    }

    private mutating func parseHex4() throws(JSONParseError) -> UInt32 {
        guard bytes.count - index >= 4 else { throw invalid() }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw invalid()
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    private mutating func parseNumber() throws(JSONParseError) -> JSONValue {
        let start = index
        var isInteger = true
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count else { throw invalid() }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else if isDigit(at: index) {
            while isDigit(at: index) { index += 1 }
        } else {
            throw invalid()
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            guard isDigit(at: index) else { throw invalid() }
            while isDigit(at: index) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard isDigit(at: index) else { throw invalid() }
            while isDigit(at: index) { index += 1 }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if isInteger, let integer = Int64(text) { return .int(integer) }
        guard let number = Double(text), number.isFinite else { throw .invalid(offset: start) }
        return .double(number)
    }

    private func isDigit(at position: Int) -> Bool {
        position < bytes.count && (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position])
    }
}
