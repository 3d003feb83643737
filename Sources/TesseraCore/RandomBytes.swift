/// Bytes from the system's secure generator, eight per draw: each draw is a system call
/// (`getrandom`), and drawing byte by byte made a token 32 calls and a request id 16.
public enum RandomBytes {
    public static func generate(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count + 7)
        while bytes.count < count {
            withUnsafeBytes(of: generator.next() as UInt64) { bytes.append(contentsOf: $0) }
        }
        bytes.removeLast(bytes.count - count)
        return bytes
    }
}

/// Bytes as lower-case hexadecimal text, two digits a byte.
public enum HexText {
    public static func lowercase(_ bytes: some Sequence<UInt8>) -> String {
        // Digit by digit: `String(format:)` made a token's hash a tenth of an assign's CPU time.
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
