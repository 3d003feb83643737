import Foundation

/// UUIDs as text, written and read digit by digit: on Linux, Foundation's `uuidString` and
/// `UUID(uuidString:)` go through `printf` and `scanf`, which was a visible share of every
/// request (ids are bound into each statement and read back from each row).
extension UUID {
    /// The lower-case form used on the wire and in the database.
    public var wire: String {
        var text: [UInt8] = []
        text.reserveCapacity(36)
        writeWire(to: &text)
        return String(decoding: text, as: UTF8.self)
    }

    /// Appends ``wire``'s text to `bytes`, in ASCII, in one append.
    public func writeWire(to bytes: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 36) { text in
            withUnsafeBytes(of: uuid) { octets in
                var position = 0
                for (index, octet) in octets.enumerated() {
                    if index == 4 || index == 6 || index == 8 || index == 10 {
                        text[position] = UInt8(ascii: "-")
                        position += 1
                    }
                    text[position] = Self.lowerHexDigit(octet >> 4)
                    text[position + 1] = Self.lowerHexDigit(octet & 0x0f)
                    position += 2
                }
            }
            bytes.append(contentsOf: text)
        }
    }

    // Digits are computed rather than looked up in a table: a static table is reached through
    // a once-check on every access, which was 4% of listing a thousand seats. Without a branch:
    // an id's digits are random, so a branch on "digit or letter" is mispredicted often.
    private static func lowerHexDigit(_ value: UInt8) -> UInt8 {
        let letterOffset: UInt8 = value > 9 ? UInt8(ascii: "a") - UInt8(ascii: "0") - 10 : 0
        return UInt8(ascii: "0") &+ value &+ letterOffset
    }

    /// Reads the 8-4-4-4-12 hexadecimal form in either case, as `UUID(uuidString:)` does;
    /// nil for anything else.
    public init?(wire text: String) {
        var text = text
        guard let id = text.withUTF8({ UUID(wireUTF8: $0) }) else { return nil }
        self = id
    }

    /// ``init(wire:)`` from the text's UTF-8 bytes, for readers that hold bytes rather than a
    /// `String` (a database row): making a `String` of each id first was an allocation each.
    public init?(wireUTF8 utf8: UnsafeBufferPointer<UInt8>) {
        guard utf8.count == 36, utf8[8] == UInt8(ascii: "-"), utf8[13] == UInt8(ascii: "-"),
              utf8[18] == UInt8(ascii: "-"), utf8[23] == UInt8(ascii: "-") else { return nil }
        var id: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        let complete = withUnsafeMutableBytes(of: &id) { bytes -> Bool in
            // Any digit that is not one sets the high bits; checked once at the end, so the
            // loop has no branch per character (reading ids was a twentieth of a long list).
            var invalid: UInt8 = 0
            for index in 0..<16 {
                // Byte `index` is written at 2 × index, plus one for each hyphen before it.
                let hyphens = (index >= 4 ? 1 : 0) &+ (index >= 6 ? 1 : 0) &+ (index >= 8 ? 1 : 0) &+ (index >= 10 ? 1 : 0)
                let position = 2 &* index &+ hyphens
                let high = Self.hexValue(utf8[position]), low = Self.hexValue(utf8[position &+ 1])
                invalid |= high | low
                bytes[index] = high << 4 | low & 0x0F
            }
            return invalid & 0xF0 == 0
        }
        guard complete else { return nil }
        self.init(uuid: id)
    }

    /// A hexadecimal digit's value, or 0xFF for a byte that is not one. Without a branch, as
    /// ``lowerHexDigit(_:)``: the branch on "digit or letter" cost a third of reading an id.
    private static func hexValue(_ character: UInt8) -> UInt8 {
        let decimal = character &- UInt8(ascii: "0")
        // Setting bit 5 makes an upper-case letter lower-case and leaves no other byte a letter.
        let letter = (character | 0x20) &- UInt8(ascii: "a")
        let isDecimal: UInt8 = decimal < 10 ? 0xFF : 0
        let isLetter: UInt8 = letter < 6 ? 0xFF : 0
        return (decimal & isDecimal) | ((letter &+ 10) & isLetter) | ~(isDecimal | isLetter)
    }
}
