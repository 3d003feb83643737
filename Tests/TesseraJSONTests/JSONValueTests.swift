import Foundation
import Testing
import TesseraJSON

@Suite struct JSONValueTests {
    @Test func accessorsReadTheirOwnCaseOnly() {
        let value: JSONValue = ["n": 3, "x": 2.5, "s": "t", "b": true, "a": [1], "z": nil]
        #expect(value["n"]?.intValue == 3)
        #expect(value["x"]?.intValue == nil)
        #expect(value["s"]?.stringValue == "t")
        #expect(value["b"]?.boolValue == true)
        #expect(value["a"]?.arrayValue == [1])
        #expect(value["z"]?.isNull == true)
        #expect(value["s"]?["t"] == nil)
    }

    @Test func serializedTextIsCompactWithSortedKeysAndIsTheDescription() throws {
        let value: JSONValue = ["b": [1, 2.5, "x/y"], "a": nil]
        #expect(value.serialized() == #"{"a":null,"b":[1,2.5,"x/y"]}"#)
        #expect("\(value)" == value.serialized())
        #expect(JSONValue.parse(Data(value.serialized().utf8)) == value)
    }

    @Test func codableKeepsIntegersAndDoublesApart() throws {
        let value: JSONValue = ["i": 1, "d": 1.5, "big": .int(Int64.max)]
        let decoded = try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(value))
        #expect(decoded == value)
    }
}
