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
        // Over one buffer: a `some Sequence` iterated from another module is a protocol
        // witness call per byte (a request id's text was 1% of a claim-info request).
        if let text = bytes.withContiguousStorageIfAvailable(lowercase(contiguous:)) { return text }
        return Array(bytes).withUnsafeBufferPointer(lowercase(contiguous:))
    }

    private static func lowercase(contiguous bytes: UnsafeBufferPointer<UInt8>) -> String {
        // Digit by digit: `String(format:)` made a token's hash a tenth of an assign's CPU time.
        func digit(_ value: UInt8) -> UInt8 { value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") - 10 + value }
        return String(unsafeUninitializedCapacity: bytes.count * 2) { text in
            for (index, byte) in bytes.enumerated() {
                text[2 * index] = digit(byte >> 4)
                text[2 * index + 1] = digit(byte & 0x0f)
            }
            return bytes.count * 2
        }
    }
}
