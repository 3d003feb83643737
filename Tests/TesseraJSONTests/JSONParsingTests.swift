import Foundation
import Testing
import TesseraJSON

@Suite struct JSONParsingTests {
    private func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try JSONValue.parse(bytes: Array(text.utf8))
    }

    @Test func parsesEveryKindOfValue() throws {
        let value = try parse(#" {"a": [1, -2, 3.5, 1e3, true, false, null, "x\"y\u00e9\n"], "b": {}} "#)
        #expect(value == ["a": [1, -2, .double(3.5), .double(1000), true, false, nil, "x\"yé\n"], "b": [:]])
    }

    @Test func integersBeyond64BitsBecomeDoublesAndHugeNumbersAreRefused() throws {
        #expect(try parse("9223372036854775807") == .int(Int64.max))
        #expect(try parse("-9223372036854775808") == .int(Int64.min))
        #expect(try parse("18446744073709551616") == .double(18446744073709551616))
        #expect(throws: JSONParseError.self) { try parse("1e400") }
    }

    @Test func surrogatePairsDecodeAndLoneSurrogatesAreRefused() throws {
        #expect(try parse(#""\ud83d\ude00""#) == "😀")
        #expect(throws: JSONParseError.self) { try parse(#""\ud800""#) }
        #expect(throws: JSONParseError.self) { try parse(#""\udc00x""#) }
        #expect(throws: JSONParseError.self) { try parse(#""\ud800\u0041""#) }
    }

    @Test func invalidUTF8AndControlCharactersAreRefused() {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(bytes: [0x22, 0xFF, 0x22]) }
        #expect(throws: JSONParseError.self) { try JSONValue.parse(bytes: [0x22, 0x0A, 0x22]) }
    }

    @Test func malformedTextIsRefused() {
        for text in ["", "{", "[1,]", "{\"a\" 1}", "01", "1.", "-", "tru", "nul", "[1] x", "{\"a\":1,}", "'a'", ".5"] {
            #expect(throws: JSONParseError.self, "\(text)") { try parse(text) }
        }
    }

    @Test func duplicateKeysKeepTheLastValue() throws {
        #expect(try parse(#"{"a": 1, "a": 2}"#) == ["a": 2])
    }

    @Test func nestingUpToTheLimitIsReadAndDeeperIsRefusedAsTooDeep() throws {
        let limit = JSONValue.maximumDepth
        let deepest = String(repeating: "[", count: limit) + String(repeating: "]", count: limit)
        #expect(throws: Never.self) { try parse(deepest) }
        let tooDeep = String(repeating: "[", count: limit + 1) + String(repeating: "]", count: limit + 1)
        #expect(throws: JSONParseError.tooDeep(maximumDepth: limit)) { try parse(tooDeep) }
        let objects = String(repeating: #"{"a":"#, count: limit + 1) + "1" + String(repeating: "}", count: limit + 1)
        #expect(throws: JSONParseError.tooDeep(maximumDepth: limit)) { try parse(objects) }
        // Ten thousand levels, unclosed: refused at the limit, not after reading the rest.
        #expect(throws: JSONParseError.tooDeep(maximumDepth: limit)) { try parse(String(repeating: "[", count: 10_000)) }
    }

    @Test func nulInsideStringsIsKeptForTheValidatorToRefuse() throws {
        // The parser keeps U+0000 so that the request validator can refuse it with Polar's message
        // (TesseraCore's `containsNUL`, tested with TextRules).
        #expect(try parse(#"{"name": "a\u0000b"}"#) == ["name": "a\u{0}b"])
        #expect(try parse(#"{"a\u0000": 1}"#) == ["a\u{0}": 1])
    }

    @Test func partsBeyondTheLimitAreRefusedAndScalarsInArraysAreNotCounted() throws {
        let arrays = "[" + Array(repeating: "[]", count: 100).joined(separator: ",") + "]"
        #expect(throws: Never.self) { try JSONValue.parse(bytes: Array(arrays.utf8), maximumParts: 101) }
        #expect(throws: JSONParseError.tooManyParts(maximum: 100)) {
            try JSONValue.parse(bytes: Array(arrays.utf8), maximumParts: 100)
        }
        let keys = "{" + (0..<60).map { "\"k\($0)\": 1" }.joined(separator: ",") + "}"
        #expect(throws: JSONParseError.tooManyParts(maximum: 50)) {
            try JSONValue.parse(bytes: Array(keys.utf8), maximumParts: 50)
        }
        let numbers = "[" + Array(repeating: "1", count: 5_000).joined(separator: ",") + "]"
        #expect(try JSONValue.parse(bytes: Array(numbers.utf8), maximumParts: 1).arrayValue?.count == 5_000)
    }
}
