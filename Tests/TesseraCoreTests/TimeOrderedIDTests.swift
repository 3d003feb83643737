import Foundation
import Testing
@testable import TesseraCore

@Suite struct TimeOrderedIDTests {
    @Test func carriesTheMillisecondInItsFirstSixBytesAndSaysVersionFour() throws {
        // 2026-12-05T12:34:56.789Z, as milliseconds since 1970.
        let milliseconds: UInt64 = 1_796_474_096_789
        let id = UUID.timeOrdered(at: Date(timeIntervalSince1970: Double(milliseconds) / 1000 + 0.0004))
        #expect(id.timeOrderedMilliseconds == milliseconds)
        // The same, read from the text rather than by the property under test: 12 hex digits.
        let text = id.wire.replacingOccurrences(of: "-", with: "")
        #expect(UInt64(text.prefix(12), radix: 16) == milliseconds)
        let bytes = withUnsafeBytes(of: id.uuid) { Array($0) }
        #expect(bytes[6] >> 4 == 4)  // the version Polar's schema declares (uuid4)
        #expect(bytes[8] >> 6 == 0b10)  // RFC 9562's variant
        #expect(Array(id.wire)[14] == "4")
        #expect(UUID(wire: id.wire) == id)
    }

    @Test func idsOfLaterMillisecondsSortAfterAsTextAndAsBytes() {
        // Half a millisecond in, so that no rounding of the Double moves a time into the next one.
        let ids = (0..<200).map { UUID.timeOrdered(at: Date(timeIntervalSince1970: (1_796_474_096_000 + Double($0) + 0.5) / 1000)) }
        // Text order is the order the database's indexes keep.
        #expect(zip(ids, ids.dropFirst()).allSatisfy { $0.wire < $1.wire })
        #expect(zip(ids, ids.dropFirst()).allSatisfy { $0.uuidString < $1.uuidString })
    }

    @Test func idsOfTheSameMillisecondDifferInTheirRandomBits() {
        let now = Date()
        let ids = (0..<1_000).map { _ in UUID.timeOrdered(at: now) }
        #expect(Set(ids).count == ids.count)
        // The 74 random bits vary: every random hexadecimal position takes more than one value.
        let texts = ids.map { Array($0.wire) }
        for position in [15, 16, 17, 20, 21, 22, 24, 30, 35] {
            #expect(Set(texts.map { $0[position] }).count > 1, "position \(position) never changes")
        }
    }

    @Test func aTimeBeforeNineteenSeventyCountsAsZero() {
        let id = UUID.timeOrdered(at: Date(timeIntervalSince1970: -5))
        #expect(id.wire.hasPrefix("00000000-0000-4"))
    }
}
