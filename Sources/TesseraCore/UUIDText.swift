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
        let (high, low) = halves
        withUnsafeTemporaryAllocation(byteCount: 36, alignment: 8) { text in
            // Each group of four bytes becomes eight digits at once (see `hexDigits`); the
            // middle groups are split around their hyphens.
            let middleHigh = Self.hexDigits(UInt32(truncatingIfNeeded: high))
            let middleLow = Self.hexDigits(UInt32(truncatingIfNeeded: low >> 32))
            text.storeBytes(of: Self.hexDigits(UInt32(truncatingIfNeeded: high >> 32)).littleEndian, toByteOffset: 0, as: UInt64.self)
            text.storeBytes(of: UInt32(truncatingIfNeeded: middleHigh).littleEndian, toByteOffset: 9, as: UInt32.self)
            text.storeBytes(of: UInt32(truncatingIfNeeded: middleHigh >> 32).littleEndian, toByteOffset: 14, as: UInt32.self)
            text.storeBytes(of: UInt32(truncatingIfNeeded: middleLow).littleEndian, toByteOffset: 19, as: UInt32.self)
            text.storeBytes(of: UInt32(truncatingIfNeeded: middleLow >> 32).littleEndian, toByteOffset: 24, as: UInt32.self)
            text.storeBytes(of: Self.hexDigits(UInt32(truncatingIfNeeded: low)).littleEndian, toByteOffset: 28, as: UInt64.self)
            for hyphen in [8, 13, 18, 23] { text[hyphen] = UInt8(ascii: "-") }
            bytes.append(contentsOf: text)
        }
    }

    /// The id's 16 bytes as two big-endian numbers: bytes 0–7 and 8–15.
    private var halves: (UInt64, UInt64) {
        withUnsafeBytes(of: uuid) { bytes in
            (UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
             UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
        }
    }

    // Ids are written and read eight digits at a time, in the bytes of one 64-bit number: one
    // digit per byte, the first digit in the lowest byte (the first in memory). Per digit, a
    // loop was a sixth of listing a thousand seats; there is no table (a static table is
    // reached through a once-check on every access) and no branch (an id's digits are random,
    // so a branch on "digit or letter" is mispredicted often).

    private static let eachByte: UInt64 = 0x0101_0101_0101_0101

    /// The eight lower-case hexadecimal digits of `value`, most significant first.
    private static func hexDigits(_ value: UInt32) -> UInt64 {
        // Spread the eight 4-bit digits into one byte each, least significant in the lowest
        // byte, then swap the bytes so that the most significant comes first.
        var digits = UInt64(value)
        digits = (digits | digits << 16) & 0x0000_FFFF_0000_FFFF
        digits = (digits | digits << 8) & 0x00FF_00FF_00FF_00FF
        digits = (digits | digits << 4) & 0x0F0F_0F0F_0F0F_0F0F
        digits = digits.byteSwapped
        // A byte of 10 or more reaches 16 when 6 is added: its bit 4 is then 1.
        let letters = ((digits &+ 6 &* eachByte) >> 4) & eachByte
        // "0" + value, and 39 more for a letter ("a" is 97, "0" + 10 is 58).
        return digits &+ 0x30 &* eachByte &+ letters &* 39
    }

    /// The value of eight hexadecimal digits (either case), the first most significant; nil if
    /// any byte is not such a digit.
    private static func value(ofHexDigits text: UInt64) -> UInt32? {
        // Comparisons on all eight bytes at once: for a byte below 128, adding 128 - n sets its
        // top bit exactly when the byte is n or more, and never carries into the next byte.
        let topBits = 0x80 &* eachByte
        func atLeast(_ bytes: UInt64, _ n: UInt64) -> UInt64 { (bytes &+ (0x80 &- n) &* eachByte) & topBits }
        let lowerCase = text | 0x20 &* eachByte  // letters to lower case, digits unchanged
        let isDigit = atLeast(text, 0x30) & ~atLeast(text, 0x3A)  // "0"..."9"
        let isLetter = atLeast(lowerCase, 0x61) & ~atLeast(lowerCase, 0x67)  // "a"..."f"
        guard text & topBits == 0, isDigit | isLetter == topBits else { return nil }
        // A digit's low four bits are its value; a letter's are its value less 9.
        var digits = (text & (0x0F &* eachByte)) &+ (isLetter >> 7) &* 9
        // Gather the eight 4-bit values, the first (lowest byte) most significant.
        digits = digits.byteSwapped
        digits = (digits | digits >> 4) & 0x00FF_00FF_00FF_00FF
        digits = (digits | digits >> 8) & 0x0000_FFFF_0000_FFFF
        digits = (digits | digits >> 16) & 0x0000_0000_FFFF_FFFF
        return UInt32(truncatingIfNeeded: digits)
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
        let text = UnsafeRawBufferPointer(utf8)
        func digits(at offset: Int) -> UInt64 { UInt64(littleEndian: text.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) }
        func split(at first: Int, _ second: Int) -> UInt64 {
            UInt64(UInt32(littleEndian: text.loadUnaligned(fromByteOffset: first, as: UInt32.self)))
                | UInt64(UInt32(littleEndian: text.loadUnaligned(fromByteOffset: second, as: UInt32.self))) << 32
        }
        guard let first = Self.value(ofHexDigits: digits(at: 0)), let second = Self.value(ofHexDigits: split(at: 9, 14)),
              let third = Self.value(ofHexDigits: split(at: 19, 24)), let fourth = Self.value(ofHexDigits: digits(at: 28))
        else { return nil }
        var id: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &id) { bytes in
            bytes.storeBytes(of: (UInt64(first) << 32 | UInt64(second)).bigEndian, toByteOffset: 0, as: UInt64.self)
            bytes.storeBytes(of: (UInt64(third) << 32 | UInt64(fourth)).bigEndian, toByteOffset: 8, as: UInt64.self)
        }
        self.init(uuid: id)
    }
}
