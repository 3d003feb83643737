import Foundation

/// Writing JSON text: compact, object keys in byte order so that equal values give equal
/// text, strings escaped only where JSON requires it. Written by hand rather than through
/// `JSONEncoder`, whose generic path was most of the cost of answering a long list.
extension JSONValue {
    /// The value as compact JSON text.
    public func serialized() -> String {
        String(decoding: serializedBytes(), as: UTF8.self)
    }

    /// The value as compact JSON text, in UTF-8.
    public func serializedBytes() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        write(to: &bytes)
        return bytes
    }

    /// Appends the value's JSON text to `bytes`.
    public func write(to bytes: inout [UInt8]) {
        switch self {
        case .null: Self.append(Self.nullText, to: &bytes)
        case .bool(let value): Self.append(value ? Self.trueText : Self.falseText, to: &bytes)
        case .int(let value): bytes.append(contentsOf: String(value).utf8)
        case .double(let value): Self.write(value, to: &bytes)
        case .string(let value): Self.write(value, to: &bytes)
        case .array(let items):
            bytes.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                item.write(to: &bytes)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let members):
            bytes.append(UInt8(ascii: "{"))
            // Byte order of the UTF-8 keys: the same on every platform. Only the keys are sorted
            // (sorting the pairs moved every value along, which cost more than looking them up).
            let keys = members.keys.sorted(by: Self.precedesInBytes)
            for (index, key) in keys.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                Self.write(key, to: &bytes)
                bytes.append(UInt8(ascii: ":"))
                members[key]?.write(to: &bytes)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    // Literal text as computed `StaticString`s, not arrays in `static let`s: those are reached through a
    // once-check on every use, a visible cost in a list of a thousand seats full of `null`s.
    private static var nullText: StaticString { "null" }
    private static var trueText: StaticString { "true" }
    private static var falseText: StaticString { "false" }

    private static func append(_ text: StaticString, to bytes: inout [UInt8]) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") - 10 + value
    }

    /// A string with `"`, `\\` and the control characters escaped; everything else, including
    /// `/` and non-ASCII text, as it is.
    static func write(_ string: String, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        var string = string
        string.withUTF8 { text in
            // Runs that need no escape (nearly all text) are copied whole.
            var runStart = 0
            for (index, byte) in text.enumerated() where byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[runStart..<index]))
                runStart = index + 1
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\")); bytes.append(byte)
                case 0x0A: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "n"))
                case 0x0D: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "r"))
                case 0x09: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "t"))
                case 0x08: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "b"))
                case 0x0C: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "f"))
                default:
                    bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                              hexDigit(byte >> 4), hexDigit(byte & 0x0F)])
                }
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[runStart...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Swift's shortest text that reads back as the same `Double` (`0.1`, `2.0`, `1e-07`), which
    /// is valid JSON for every finite value; the parser never makes a non-finite one.
    private static func write(_ value: Double, to bytes: inout [UInt8]) {
        guard value.isFinite else {
            append(nullText, to: &bytes)
            return
        }
        bytes.append(contentsOf: value.description.utf8)
    }
}

extension JSONValue {
    /// Whether `a`'s UTF-8 bytes sort before `b`'s: one `memcmp` on the strings' own storage
    /// instead of walking two UTF-8 views (which was 3% of writing a long list).
    static func precedesInBytes(_ a: String, _ b: String) -> Bool {
        let order = a.utf8.withContiguousStorageIfAvailable { left in
            b.utf8.withContiguousStorageIfAvailable { right -> Bool in
                let common = min(left.count, right.count)
                if common > 0, let l = left.baseAddress, let r = right.baseAddress {
                    let order = memcmp(l, r, common)
                    if order != 0 { return order < 0 }
                }
                return left.count < right.count
            }
        }
        // Strings without contiguous UTF-8 (bridged ones) take the slow, equal path.
        return (order ?? nil) ?? a.utf8.lexicographicallyPrecedes(b.utf8)
    }
}
