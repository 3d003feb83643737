import Foundation
import TesseraClient

/// Turns an SDK model back into the API's JSON for `--json`.
///
/// Synthesized `Encodable` code leaves out optional properties that are nil, but the API sends
/// them as `null` (`"revoked_at": null`), and scripts may rely on the key being there. This
/// encoder writes every nil optional as `null`, and dates as ISO 8601 with fractional seconds.
enum JSONOutputEncoder {
    static func encode<T: Encodable>(_ value: T) throws -> JSONValue {
        let root = Node()
        try root.store(value, codingPath: [])
        return root.json
    }
}

/// One value in the tree being built.
private final class Node {
    enum Content {
        case empty
        case value(JSONValue)
        case object([String: Node])
        case array([Node])
    }

    var content: Content = .empty

    var json: JSONValue {
        switch content {
        case .empty: return .null
        case .value(let value): return value
        case .object(let members): return .object(members.mapValues(\.json))
        case .array(let items): return .array(items.map(\.json))
        }
    }

    func store<T: Encodable>(_ value: T, codingPath: [any CodingKey]) throws {
        if let date = value as? Date {
            content = .value(.string(date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))))
        } else {
            try value.encode(to: TreeEncoder(node: self, codingPath: codingPath))
        }
    }

    func child(_ key: String) -> Node {
        var members: [String: Node] = [:]
        if case .object(let existing) = content { members = existing }
        if let node = members[key] { return node }
        let node = Node()
        members[key] = node
        content = .object(members)
        return node
    }

    func append() -> Node {
        var items: [Node] = []
        if case .array(let existing) = content { items = existing }
        let node = Node()
        items.append(node)
        content = .array(items)
        return node
    }

    var count: Int {
        if case .array(let items) = content { return items.count }
        return 0
    }

    func makeObject() {
        if case .object = content { return }
        content = .object([:])
    }

    func makeArray() {
        if case .array = content { return }
        content = .array([])
    }
}

private struct IndexKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(_ index: Int) { stringValue = String(index); intValue = index }
    init?(stringValue: String) { self.stringValue = stringValue; intValue = Int(stringValue) }
    init?(intValue: Int) { self.init(intValue) }
}

private func integer<I: BinaryInteger>(_ value: I) -> JSONValue {
    if let exact = Int64(exactly: value) { return .int(exact) }
    return .double(Double(value))
}

private struct TreeEncoder: Encoder {
    let node: Node
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        node.makeObject()
        return KeyedEncodingContainer(KeyedContainer<Key>(node: node, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        node.makeArray()
        return UnkeyedContainer(node: node, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleContainer(node: node, codingPath: codingPath)
    }
}

private struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: Node
    let codingPath: [any CodingKey]

    private func set(_ value: JSONValue, _ key: Key) { node.child(key.stringValue).content = .value(value) }

    mutating func encodeNil(forKey key: Key) throws { set(.null, key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { set(.bool(value), key) }
    mutating func encode(_ value: String, forKey key: Key) throws { set(.string(value), key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { set(.double(value), key) }
    mutating func encode(_ value: Float, forKey key: Key) throws { set(.double(Double(value)), key) }
    mutating func encode(_ value: Int, forKey key: Key) throws { set(integer(value), key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { set(integer(value), key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { set(integer(value), key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { set(integer(value), key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { set(integer(value), key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { set(integer(value), key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { set(integer(value), key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { set(integer(value), key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { set(integer(value), key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { set(integer(value), key) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try node.child(key.stringValue).store(value, codingPath: codingPath + [key])
    }

    // Nil optionals are written as null, as the API writes them.
    private mutating func present<T: Encodable>(_ value: T?, _ key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }

    mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws { try present(value, key) }
    mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws { try present(value, key) }
    mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws { try present(value, key) }
    mutating func encodeIfPresent(_ value: Float?, forKey key: Key) throws { try present(value, key) }
    mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws { try present(value, key) }
    mutating func encodeIfPresent(_ value: Int8?, forKey key: Key) throws { try present(value, key) }
    mutating func encodeIfPresent(_ value: Int16?, forKey key: Key) throws { try present(value, key) }
    mutating func encodeIfPresent(_ value: Int32?, forKey key: Key) throws { try present(value, key) }
    mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws { try present(value, key) }
    mutating func encodeIfPresent(_ value: UInt?, forKey key: Key) throws { try present(value, key) }
    mutating func encodeIfPresent(_ value: UInt8?, forKey key: Key) throws { try present(value, key) }
    mutating func encodeIfPresent(_ value: UInt16?, forKey key: Key) throws { try present(value, key) }
    mutating func encodeIfPresent(_ value: UInt32?, forKey key: Key) throws { try present(value, key) }
    mutating func encodeIfPresent(_ value: UInt64?, forKey key: Key) throws { try present(value, key) }
    mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws { try present(value, key) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
        -> KeyedEncodingContainer<NestedKey>
    {
        let child = node.child(key.stringValue)
        child.makeObject()
        return KeyedEncodingContainer(KeyedContainer<NestedKey>(node: child, codingPath: codingPath + [key]))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let child = node.child(key.stringValue)
        child.makeArray()
        return UnkeyedContainer(node: child, codingPath: codingPath + [key])
    }

    mutating func superEncoder() -> any Encoder {
        TreeEncoder(node: node.child("super"), codingPath: codingPath)
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        TreeEncoder(node: node.child(key.stringValue), codingPath: codingPath + [key])
    }
}

private struct UnkeyedContainer: UnkeyedEncodingContainer {
    let node: Node
    let codingPath: [any CodingKey]
    var count: Int { node.count }

    private func add(_ value: JSONValue) { node.append().content = .value(value) }

    mutating func encodeNil() throws { add(.null) }
    mutating func encode(_ value: Bool) throws { add(.bool(value)) }
    mutating func encode(_ value: String) throws { add(.string(value)) }
    mutating func encode(_ value: Double) throws { add(.double(value)) }
    mutating func encode(_ value: Float) throws { add(.double(Double(value))) }
    mutating func encode(_ value: Int) throws { add(integer(value)) }
    mutating func encode(_ value: Int8) throws { add(integer(value)) }
    mutating func encode(_ value: Int16) throws { add(integer(value)) }
    mutating func encode(_ value: Int32) throws { add(integer(value)) }
    mutating func encode(_ value: Int64) throws { add(integer(value)) }
    mutating func encode(_ value: UInt) throws { add(integer(value)) }
    mutating func encode(_ value: UInt8) throws { add(integer(value)) }
    mutating func encode(_ value: UInt16) throws { add(integer(value)) }
    mutating func encode(_ value: UInt32) throws { add(integer(value)) }
    mutating func encode(_ value: UInt64) throws { add(integer(value)) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        let index = count
        try node.append().store(value, codingPath: codingPath + [IndexKey(index)])
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type)
        -> KeyedEncodingContainer<NestedKey>
    {
        let index = count
        let child = node.append()
        child.makeObject()
        return KeyedEncodingContainer(KeyedContainer<NestedKey>(node: child, codingPath: codingPath + [IndexKey(index)]))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let index = count
        let child = node.append()
        child.makeArray()
        return UnkeyedContainer(node: child, codingPath: codingPath + [IndexKey(index)])
    }

    mutating func superEncoder() -> any Encoder {
        let index = count
        return TreeEncoder(node: node.append(), codingPath: codingPath + [IndexKey(index)])
    }
}

private struct SingleContainer: SingleValueEncodingContainer {
    let node: Node
    let codingPath: [any CodingKey]

    private func set(_ value: JSONValue) { node.content = .value(value) }

    mutating func encodeNil() throws { set(.null) }
    mutating func encode(_ value: Bool) throws { set(.bool(value)) }
    mutating func encode(_ value: String) throws { set(.string(value)) }
    mutating func encode(_ value: Double) throws { set(.double(value)) }
    mutating func encode(_ value: Float) throws { set(.double(Double(value))) }
    mutating func encode(_ value: Int) throws { set(integer(value)) }
    mutating func encode(_ value: Int8) throws { set(integer(value)) }
    mutating func encode(_ value: Int16) throws { set(integer(value)) }
    mutating func encode(_ value: Int32) throws { set(integer(value)) }
    mutating func encode(_ value: Int64) throws { set(integer(value)) }
    mutating func encode(_ value: UInt) throws { set(integer(value)) }
    mutating func encode(_ value: UInt8) throws { set(integer(value)) }
    mutating func encode(_ value: UInt16) throws { set(integer(value)) }
    mutating func encode(_ value: UInt32) throws { set(integer(value)) }
    mutating func encode(_ value: UInt64) throws { set(integer(value)) }
    mutating func encode<T: Encodable>(_ value: T) throws { try node.store(value, codingPath: codingPath) }
}
