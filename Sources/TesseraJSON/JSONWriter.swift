import Foundation

/// Writes compact JSON text straight into bytes, for answers too long to build as a
/// `JSONValue` tree first (a list of a thousand seats spent more time building, sorting and
/// freeing the tree than writing it).
///
/// Members are written in the order given; callers that want the same text as
/// ``JSONValue/serialized()`` give keys in byte order. Commas are placed by the writer:
///
///     var json = JSONWriter()
///     json.beginObject()
///     json.key("id"); json.string(id)
///     json.key("tags"); json.beginArray(); json.string("a"); json.endArray()
///     json.endObject()
public struct JSONWriter: Sendable {
    /// The text so far, in UTF-8.
    public private(set) var bytes: [UInt8] = []
    /// Whether the next value or key follows another and so needs a comma first.
    private var followsValue = false

    public init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    public mutating func beginObject() { open(UInt8(ascii: "{")) }
    public mutating func endObject() { close(UInt8(ascii: "}")) }
    public mutating func beginArray() { open(UInt8(ascii: "[")) }
    public mutating func endArray() { close(UInt8(ascii: "]")) }

    private mutating func open(_ bracket: UInt8) {
        separate()
        bytes.append(bracket)
        followsValue = false
    }

    private mutating func close(_ bracket: UInt8) {
        bytes.append(bracket)
        followsValue = true
    }

    /// An object member's name, written as it is: a wire name in the source, which never needs
    /// an escape. The member's value comes next.
    public mutating func key(_ name: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        followsValue = false
    }

    public mutating func string(_ text: String) {
        separate()
        JSONValue.write(text, to: &bytes)
        followsValue = true
    }

    /// A string, or `null` for nil.
    public mutating func string(_ text: String?) {
        guard let text else { return null() }
        string(text)
    }

    public mutating func bool(_ flag: Bool) {
        value(.bool(flag))
    }

    public mutating func int(_ number: Int) {
        value(.int(Int64(number)))
    }

    public mutating func null() {
        value(.null)
    }

    /// Any value, written as ``JSONValue/serialized()`` writes it.
    public mutating func value(_ value: JSONValue) {
        separate()
        value.write(to: &bytes)
        followsValue = true
    }

    /// A string whose characters `write` appends itself, none needing an escape: ids and
    /// timestamps, written without making a `String` first.
    public mutating func unescapedString(_ write: (inout [UInt8]) -> Void) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        write(&bytes)
        bytes.append(UInt8(ascii: "\""))
        followsValue = true
    }

    /// A timestamp as ``Timestamp/format(_:)`` writes it, or `null` for nil.
    public mutating func timestamp(_ date: Date?) {
        guard let date else { return null() }
        unescapedString { Timestamp.write(date, to: &$0) }
    }

    /// Hands the text written so far to `output` and starts again from empty, keeping the
    /// capacity and where the writer is (the next value still gets its comma): a long answer
    /// is written through a small buffer into its destination instead of all into this one.
    public mutating func drain(into output: ([UInt8]) -> Void) {
        output(bytes)
        bytes.removeAll(keepingCapacity: true)
    }

    private mutating func separate() {
        if followsValue { bytes.append(UInt8(ascii: ",")) }
    }
}
