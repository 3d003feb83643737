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
}
