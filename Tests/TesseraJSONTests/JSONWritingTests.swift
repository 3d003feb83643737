import Foundation
import Testing
import TesseraJSON

@Suite struct JSONWritingTests {
    /// The writer puts commas between members and elements at every depth, and writes values
    /// as a `JSONValue` would.
    @Test func theWriterPlacesCommasAtEveryDepth() {
        var json = JSONWriter()
        json.beginObject()
        json.key("a"); json.beginArray()
        json.beginObject(); json.endObject()
        json.beginArray(); json.int(1); json.string("two \"2\""); json.null(); json.bool(false); json.endArray()
        json.beginObject(); json.key("x"); json.string(nil); json.key("y"); json.value(["k": [true]]); json.endObject()
        json.timestamp(Date(timeIntervalSince1970: 0))
        json.endArray()
        json.key("b"); json.timestamp(nil)
        json.endObject()
        let expected: JSONValue = [
            "a": [[:], [1, "two \"2\"", nil, false], ["x": nil, "y": ["k": [true]]], "1970-01-01T00:00:00.000000Z"],
            "b": nil,
        ]
        #expect(String(decoding: json.bytes, as: UTF8.self) == expected.serialized())
    }

    /// Emptied into another buffer between any two steps, the writer hands over the same text
    /// it would have held whole: commas still go between values that straddle a drain.
    @Test func drainingBetweenStepsGivesTheSameText() {
        let steps: [(inout JSONWriter) -> Void] = [
            { $0.beginObject() }, { $0.key("a") }, { $0.beginArray() }, { $0.int(1) }, { $0.string("two") },
            { $0.beginObject() }, { $0.key("x") }, { $0.null() }, { $0.key("y") }, { $0.int(3) }, { $0.endObject() },
            { $0.endArray() }, { $0.key("b") }, { $0.string(nil) }, { $0.endObject() },
        ]
        var whole = JSONWriter()
        for step in steps { step(&whole) }
        for drainAfter in 0..<steps.count {
            var json = JSONWriter(capacity: 4)
            var output: [UInt8] = []
            for (index, step) in steps.enumerated() {
                step(&json)
                if index % (drainAfter + 1) == 0 { json.drain { output += $0 } }
            }
            json.drain { output += $0 }
            #expect(json.bytes.isEmpty)
            #expect(String(decoding: output, as: UTF8.self) == String(decoding: whole.bytes, as: UTF8.self))
        }
        #expect(String(decoding: whole.bytes, as: UTF8.self) == #"{"a":[1,"two",{"x":null,"y":3}],"b":null}"#)
    }

    @Test func compactTextWithKeysInByteOrder() {
        let value: JSONValue = ["b": [1, 2.5, true, nil], "a": ["z": "y", "B": "x", "a_b": 0, "ab": -7]]
        #expect(value.serialized() == #"{"a":{"B":"x","a_b":0,"ab":-7,"z":"y"},"b":[1,2.5,true,null]}"#)
        #expect(JSONValue.array([]).serialized() == "[]")
        #expect(JSONValue.object([:]).serialized() == "{}")
    }

    /// Prefixes, the empty key, non-ASCII and keys that differ late all sort by their UTF-8
    /// bytes, as the reference ordering of Swift's UTF-8 views says.
    @Test func keysSortByTheirUTF8Bytes() {
        let keys = ["", "a", "ab", "abc", "abd", "b", "B", "é", "😀", "z", "zz", "\u{7f}", "\u{0}", "aa",
                    "seat_metadata", "seat", "seats", "invitation_token_expires_at", "invitation_token"]
        let value = JSONValue.object(Dictionary(uniqueKeysWithValues: keys.map { ($0, JSONValue.null) }))
        let expected = keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        let written = "{" + expected.map { JSONValue.string($0).serialized() + ":null" }.joined(separator: ",") + "}"
        #expect(value.serialized() == written)
    }

    @Test func stringsEscapeOnlyWhatJSONRequires() {
        let text = "quote \" backslash \\ slash / tab \t newline \n cr \r bell \u{07} nul \u{0} é 😀 \u{2028}"
        let written = JSONValue.string(text).serialized()
        #expect(written == #""quote \" backslash \\ slash / tab \t newline \n cr \r bell \u0007 nul \u0000 é 😀 "#
            + "\u{2028}\"")
        #expect(JSONValue.parse(Data(written.utf8)) == .string(text))
    }

    @Test func doublesReadBackAsTheSameDouble() throws {
        for value in [0.1, 2.0, -0.0, 1e-7, 1.7976931348623157e308, Double.leastNonzeroMagnitude, 123_456.789, -42.5] {
            let written = JSONValue.double(value).serialized()
            let read = try #require(JSONValue.parse(Data(written.utf8)))
            guard case .double(let readValue) = read else {
                Issue.record("\(written) did not read back as a double")
                continue
            }
            #expect(readValue == value && readValue.sign == value.sign, "\(written)")
        }
        #expect(JSONValue.int(.min).serialized() == "-9223372036854775808")
    }

    /// Whatever the writer writes, Foundation's parser reads as the same value: the writer
    /// speaks standard JSON, not just a dialect our own parser accepts.
    @Test func foundationReadsWhatTheWriterWrites() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let value = Self.randomValue(depth: 0, using: &generator)
            let bytes = value.serializedBytes()
            let fromFoundation = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
            let again = try JSONSerialization.data(withJSONObject: fromFoundation, options: [.fragmentsAllowed])
            #expect(JSONValue.parse(again) == value)
            #expect(JSONValue.parse(Data(bytes)) == value)
        }
    }

    private static func randomValue(depth: Int, using generator: inout SystemRandomNumberGenerator) -> JSONValue {
        let choice = Int.random(in: 0..<(depth > 3 ? 4 : 6), using: &generator)
        switch choice {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &generator))
        case 2: return .int(Int64.random(in: -1_000_000...1_000_000, using: &generator))
        case 3:
            let scalars = (0..<Int.random(in: 0..<12, using: &generator)).compactMap { _ in
                Unicode.Scalar(UInt32.random(in: 1...0x2FF, using: &generator))
            }
            return .string(String(String.UnicodeScalarView(scalars)))
        case 4:
            return .array((0..<Int.random(in: 0..<4, using: &generator)).map { _ in
                randomValue(depth: depth + 1, using: &generator)
            })
        default:
            var members: [String: JSONValue] = [:]
            for index in 0..<Int.random(in: 0..<4, using: &generator) {
                members["k\(index)\(Int.random(in: 0..<99, using: &generator))"] = randomValue(depth: depth + 1, using: &generator)
            }
            return .object(members)
        }
    }
}
