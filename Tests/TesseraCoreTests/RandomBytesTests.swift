import Foundation
import Testing
@testable import TesseraCore

/// The secure random bytes behind tokens, license keys and request ids, and their hex text.
@Suite struct RandomBytesTests {
    /// Exactly as many bytes as asked, whatever the count's remainder by eight (the size of a
    /// draw), and every one random: over 200 draws each position takes more than one value, so
    /// a byte left unfilled (zero) or a repeated draw fails.
    @Test(arguments: [1, 7, 8, 9, 16, 32])
    func bytesAreAsManyAsAskedAndEachRandom(count: Int) {
        let draws = (0..<200).map { _ in RandomBytes.generate(count) }
        #expect(draws.allSatisfy { $0.count == count })
        for position in 0..<count {
            #expect(Set(draws.map { $0[position] }).count > 1, "byte \(position) never changes")
        }
    }

    @Test func hexIsTwoLowerCaseDigitsABytes() {
        #expect(HexText.lowercase([0x00, 0x0f, 0xa5, 0xff]) == "000fa5ff")
        #expect(HexText.lowercase([UInt8]()) == "")
    }

    /// Every byte value, from a buffer and from a sequence with no buffer of its own (the two
    /// paths `lowercase` takes), against the standard library's radix formatting.
    @Test func hexOfEveryByteMatchesRadixFormatting() {
        let every = (0...255).map(UInt8.init)
        let expected = every.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        #expect(HexText.lowercase(every) == expected)
        #expect(HexText.lowercase(every.lazy.map { $0 }) == expected)
        #expect(HexText.lowercase(every[16...]) == String(expected.dropFirst(32)))
    }

    /// Tokens keep their form: the kind's prefix and 32 bytes in URL-safe base64 (43 characters).
    @Test func tokensAreThirtyTwoRandomBytes() {
        let token = SecretToken.generate(.organizationAccess).value
        #expect(token.hasPrefix("tsr_oat_") && token.count == "tsr_oat_".count + 43)
        #expect(SecretToken.generate(.invitation) != SecretToken.generate(.invitation))
    }
}
