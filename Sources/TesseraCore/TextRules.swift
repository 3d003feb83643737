/// How Tessera measures and screens text from requests.
public enum TextRules {
    /// The length that text limits count: Unicode scalars, as Python's `len` (and so Polar)
    /// counts them. Counting displayed characters instead would let one letter followed by
    /// thousands of combining marks pass a short limit.
    public static func length(of text: some StringProtocol) -> Int {
        text.unicodeScalars.count
    }

    /// Whether the text holds U+0000, which no field accepts.
    public static func containsNUL(_ text: some StringProtocol) -> Bool {
        text.utf8.contains(0)
    }

    /// Whether `text` holds `%00`, a NUL percent-encoded, compared byte by byte: Foundation's
    /// `contains` ran its locale-aware search (and loaded ICU's data) on every request's path.
    public static func containsEncodedNUL(_ text: some StringProtocol) -> Bool {
        var matched = 0
        for byte in text.utf8 {
            switch (matched, byte) {
            case (0, UInt8(ascii: "%")), (1, UInt8(ascii: "0")): matched += 1
            case (2, UInt8(ascii: "0")): return true
            case (_, UInt8(ascii: "%")): matched = 1
            default: matched = 0
            }
        }
        return false
    }

    /// Polar's message for text with a NUL character.
    public static let invalidCharactersMessage = "This value contains invalid characters"
}

extension JSONValue {
    /// Whether any string or key anywhere in this value holds U+0000.
    public var containsNUL: Bool {
        switch self {
        case .null, .bool, .int, .double: return false
        case .string(let text): return TextRules.containsNUL(text)
        case .array(let items): return items.contains(where: \.containsNUL)
        case .object(let members):
            return members.contains { TextRules.containsNUL($0.key) || $0.value.containsNUL }
        }
    }
}
