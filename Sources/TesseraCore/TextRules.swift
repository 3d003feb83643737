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
        withContiguousUTF8(of: text) { $0.contains(0) }
    }

    /// Whether `text` holds `%00`, a NUL percent-encoded, compared byte by byte: Foundation's
    /// `contains` ran its locale-aware search (and loaded ICU's data) on every request's path.
    public static func containsEncodedNUL(_ text: some StringProtocol) -> Bool {
        withContiguousUTF8(of: text) { bytes in
            guard bytes.count >= 3 else { return false }
            for start in 0..<(bytes.count - 2) where bytes[start] == UInt8(ascii: "%") {
                if bytes[start + 1] == UInt8(ascii: "0") && bytes[start + 2] == UInt8(ascii: "0") { return true }
            }
            return false
        }
    }

    /// Runs `body` over the text's UTF-8 bytes in one buffer. These checks run on every
    /// request's path; iterating a `some StringProtocol`'s UTF-8 view from another module goes
    /// through a protocol witness per byte (2% of a claim-info request), a buffer does not.
    private static func withContiguousUTF8<Result>(
        of text: some StringProtocol, _ body: (UnsafeBufferPointer<UInt8>) -> Result
    ) -> Result {
        if let result = text.utf8.withContiguousStorageIfAvailable(body) { return result }
        var copy = String(text)
        return copy.withUTF8(body)
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
