import Foundation
import Testing
import TesseraCore

/// The hand-written UUID text forms agree with Foundation's, which they replace for speed.
@Suite struct UUIDTextTests {
    @Test func writesWhatFoundationWritesInLowerCase() {
        for _ in 0..<1_000 {
            let id = UUID()
            #expect(id.wire == id.uuidString.lowercased())
        }
    }

    @Test func readsBothCasesBackToTheSameId() {
        for _ in 0..<1_000 {
            let id = UUID()
            #expect(UUID(wire: id.uuidString) == id)
            #expect(UUID(wire: id.wire) == id)
        }
    }

    @Test(arguments: [
        "", "not-a-uuid", "0d7f8e3a-8a53-4c8e-9d8e-3f6b2b1c9a1", "0d7f8e3a-8a53-4c8e-9d8e-3f6b2b1c9a100",
        "0d7f8e3a8a53-4c8e-9d8e-3f6b2b1c9a10-", "0d7f8e3a-8a53-4c8e-9d8e-3f6b2b1c9a1g", " 0d7f8e3a-8a53-4c8e-9d8e-3f6b2b1c9a1",
        "0d7f8e3a-8a53-4c8e-9d8e-3f6b2b1c9a1\u{e9}", "0d7f8e3a+8a53-4c8e-9d8e-3f6b2b1c9a10", "{0d7f8e3a-8a53-4c8e-9d8e-3f6b2b1c9a1}",
    ])
    func refusesAnythingButTheCanonicalForm(text: String) {
        #expect(UUID(wire: text) == nil)
    }

    /// Foundation's scanf-based reader on Linux took a leading space and a short last group,
    /// reading a different id than the text says; the canonical form only is accepted now.
    @Test func isStricterThanFoundationOnLinux() {
        #expect(UUID(wire: " 0d7f8e3a-8a53-4c8e-9d8e-3f6b2b1c9a1") == nil)
    }

    /// Every byte in a digit's place: the 22 hexadecimal digits read as their value, all other
    /// 234 (the neighbours of `0`-`9`, `a`-`f` and `A`-`F` included) make the text no id.
    @Test func readsEachByteAsADigitOnlyIfItIsOne() throws {
        let base = Array("0d7f8e3a-8a53-4c8e-9d8e-3f6b2b1c9a10".utf8)
        let digits = Array("0123456789abcdef".utf8), upperCaseLetters = Array("ABCDEF".utf8)
        for place in [0, 17, 35] {
            for byte in UInt8.min...UInt8.max {
                var text = base
                text[place] = byte
                let read = UUID(wire: String(decoding: text, as: UTF8.self))
                if let value = digits.firstIndex(of: byte) ?? upperCaseLetters.firstIndex(of: byte).map({ $0 + 10 }) {
                    var expected = base
                    expected[place] = digits[value]
                    #expect(read == UUID(uuidString: String(decoding: expected, as: UTF8.self)), "byte \(byte) at \(place)")
                } else {
                    #expect(read == nil, "byte \(byte) at \(place)")
                }
            }
        }
    }

    /// The same through the bytes a database row hands over, for every byte value at every one
    /// of the 36 places: digits (each of the 32 is read by a different part of the reader) and
    /// hyphens. Bytes of 128 and up cannot be put in one place through a `String`.
    @Test func readsEveryPlaceOfTheRawBytes() {
        let base = Array("0d7f8e3a-8a53-4c8e-9d8e-3f6b2b1c9a10".utf8)
        let hexDigits = Array("0123456789abcdef".utf8), upperCaseLetters = Array("ABCDEF".utf8)
        for place in base.indices {
            for byte in UInt8.min...UInt8.max {
                var text = base
                text[place] = byte
                let read = text.withUnsafeBufferPointer { UUID(wireUTF8: $0) }
                var expected: UUID?
                if base[place] == UInt8(ascii: "-") {
                    expected = byte == UInt8(ascii: "-") ? UUID(uuidString: String(decoding: base, as: UTF8.self)) : nil
                } else if let value = hexDigits.firstIndex(of: byte) ?? upperCaseLetters.firstIndex(of: byte).map({ $0 + 10 }) {
                    var canonical = base
                    canonical[place] = hexDigits[value]
                    expected = UUID(uuidString: String(decoding: canonical, as: UTF8.self))
                }
                #expect(read == expected, "byte \(byte) at \(place)")
            }
        }
    }

    /// Ids whose bytes are all one value, 0 to 255: every digit and letter in every place of
    /// the written form, read back to the same id.
    @Test func writesAndReadsEveryByteValueInEveryPlace() {
        for value in UInt8.min...UInt8.max {
            let id = UUID(uuid: (value, value, value, value, value, value, value, value,
                                 value, value, value, value, value, value, value, value))
            #expect(id.wire == id.uuidString.lowercased())
            #expect(UUID(wire: id.wire) == id)
        }
    }
}
