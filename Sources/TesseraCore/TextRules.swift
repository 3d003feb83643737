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
