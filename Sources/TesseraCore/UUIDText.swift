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
                    text[position] = Self.lowerHexDigits[Int(octet >> 4)]
                    text[position + 1] = Self.lowerHexDigits[Int(octet & 0x0f)]
                    position += 2
                }
            }
            bytes.append(contentsOf: text)
        }
    }

    private static let lowerHexDigits = Array("0123456789abcdef".utf8)

    /// Reads the 8-4-4-4-12 hexadecimal form in either case, as `UUID(uuidString:)` does;
    /// nil for anything else.
    public init?(wire text: String) {
        var text = text
        var id: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        let complete = text.withUTF8 { utf8 -> Bool in
            guard utf8.count == 36 else { return false }
            return withUnsafeMutableBytes(of: &id) { bytes -> Bool in
                var position = 0
                var count = 0
                // Every group has an even number of digits, so a pair never straddles a hyphen.
                while position < 36 {
                    if position == 8 || position == 13 || position == 18 || position == 23 {
                        guard utf8[position] == UInt8(ascii: "-") else { return false }
                        position += 1
                        continue
                    }
                    guard let high = Self.hexDigit(utf8[position]), let low = Self.hexDigit(utf8[position + 1]) else {
                        return false
                    }
                    bytes[count] = high << 4 | low
                    count += 1
                    position += 2
                }
                return true
            }
        }
        guard complete else { return nil }
        self.init(uuid: id)
    }

    private static func hexDigit(_ character: UInt8) -> UInt8? {
        let value = hexValues[Int(character)]
        return value == 0xFF ? nil : value
    }

    /// Each byte's value as a hexadecimal digit, 0xFF for a byte that is not one: one load per
    /// digit instead of three range tests (reading ids was a twentieth of a long list).
    private static let hexValues: [UInt8] = (0...255).map { byte -> UInt8 in
        switch UInt8(byte) {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt8(byte) - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt8(byte) - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt8(byte) - UInt8(ascii: "A") + 10
        default: 0xFF
        }
    }
}
