import Foundation
import Testing
import TesseraCore

@Suite struct TextRulesTests {
    @Test func nulAnywhereInAJSONValueIsFound() throws {
        let value = try JSONValue.parse(bytes: Array(#"{"name": "a\u0000b"}"#.utf8))
        #expect(value.containsNUL)
        #expect(!(try JSONValue.parse(bytes: Array(#"{"name": "ab"}"#.utf8))).containsNUL)
        #expect((try JSONValue.parse(bytes: Array(#"{"a\u0000": 1}"#.utf8))).containsNUL)
        #expect((["x": [1, "\u{0}"]] as JSONValue).containsNUL)
    }

    @Test func anEncodedNULIsFoundWhereverItStarts() {
        for path in ["/%00", "/v1/x%00y", "%%00", "%0%00", "/a%2500%00", "/é%00"] {
            #expect(TextRules.containsEncodedNUL(path), "\(path)")
        }
        for path in ["/", "/%0", "/%01", "/%2500", "/0%0", "%0a0", "/%%0", "", "%", "%0"] {
            #expect(!TextRules.containsEncodedNUL(path), "\(path)")
        }
        // A substring sees only its own bytes, not those of the string around it.
        let path = "/a%00/b"
        #expect(TextRules.containsEncodedNUL(path.dropFirst(2)))
        #expect(!TextRules.containsEncodedNUL(path.dropFirst(3)))
        #expect(!TextRules.containsEncodedNUL(path.dropLast(5)))
    }

    @Test func aNULIsFoundInAStringOrASubstring() {
        #expect(TextRules.containsNUL("a\u{0}b") && TextRules.containsNUL("\u{0}"))
        #expect(!TextRules.containsNUL("ab") && !TextRules.containsNUL(""))
        let text = "ab\u{0}cd"
        #expect(TextRules.containsNUL(text.dropFirst(2)) && !TextRules.containsNUL(text.dropFirst(3)))
    }

    @Test func lengthCountsUnicodeScalarsNotDisplayedCharacters() {
        let stacked = "a" + String(repeating: "\u{0301}", count: 300)
        #expect(stacked.count == 1)
        #expect(TextRules.length(of: stacked) == 301)
    }

    @Test func emailKeysFoldASCIILettersOnly() {
        #expect(EmailAddress.normalized("Kim@Acme.Example") == "kim@acme.example")
        // KELVIN SIGN would fold to "k" under Unicode rules; it must stay distinct from kim@.
        #expect(EmailAddress.normalized("\u{212A}im@acme.example") != EmailAddress.normalized("kim@acme.example"))
        #expect(EmailAddress.normalized("ÉLODIE@acme.example") == "Élodie@acme.example")
        #expect(EmailAddress.normalized("ÉLODIE@acme.example") != EmailAddress.normalized("élodie@acme.example"))
    }

    @Test func emailLengthCountsScalars() {
        let long = "a" + String(repeating: "\u{0301}", count: 300) + "@acme.example"
        #expect(EmailAddress.problem(with: long) != nil)
    }
}
