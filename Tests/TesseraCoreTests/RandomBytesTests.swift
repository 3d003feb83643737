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

    /// Tokens keep their form: the kind's prefix and 32 bytes in URL-safe base64 (43 characters).
    @Test func tokensAreThirtyTwoRandomBytes() {
        let token = SecretToken.generate(.organizationAccess).value
        #expect(token.hasPrefix("tsr_oat_") && token.count == "tsr_oat_".count + 43)
        #expect(SecretToken.generate(.invitation) != SecretToken.generate(.invitation))
    }
}
