// JSONValue, its one-pass parser and Timestamp live in TesseraJSON, which the SDK
// (TesseraClient) shares and which may depend on no other Tessera target. Core re-exports it
// so that the store, the server and the executable, which all import TesseraCore, keep seeing
// them without a second import in every file.
@_exported import TesseraJSON
import Foundation

// The server's additions: building wire values from optionals (nil becomes `null`), and
// Polar's way of measuring metadata.
extension JSONValue {
    public init(_ value: String?) { self = value.map(JSONValue.string) ?? .null }
    public init(_ value: Int?) { self = value.map { .int(Int64($0)) } ?? .null }
    public init(_ value: Bool) { self = .bool(value) }
    public init(_ value: UUID?) { self = value.map { .string($0.wire) } ?? .null }
    public init(_ value: Date?) { self = value.map { .string(Timestamp.format($0)) } ?? .null }
    public init(_ value: [String: JSONValue]?) { self = value.map(JSONValue.object) ?? .null }

    /// The value ``JSONWriter`` wrote: how a shape written straight to text (a seat) is also
    /// had as a value (a webhook event's data). Null only if the writer's text were not JSON.
    public init(written json: JSONWriter) {
        self = (try? JSONValue.parse(bytes: json.bytes)) ?? .null
    }

    /// The length of this value as Python's `json.dumps` writes it (ASCII-escaped,
    /// `", "` and `": "` separators). Polar limits seat metadata by that length.
    public var pythonDumpsLength: Int {
        switch self {
        case .null: return 4
        case .bool(let value): return value ? 4 : 5
        case .int(let value): return String(value).count
        case .double(let value): return value.description.count
        case .string(let value): return Self.pythonStringLength(value)
        case .array(let items):
            if items.isEmpty { return 2 }
            return 2 + items.reduce(0) { $0 + $1.pythonDumpsLength } + (items.count - 1) * 2
        case .object(let members):
            if members.isEmpty { return 2 }
            let body = members.reduce(0) { $0 + Self.pythonStringLength($1.key) + 2 + $1.value.pythonDumpsLength }
            return 2 + body + (members.count - 1) * 2
        }
    }

    private static func pythonStringLength(_ string: String) -> Int {
        var length = 2
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"", "\\", "\n", "\r", "\t", "\u{08}", "\u{0C}": length += 2
            case _ where scalar.value < 0x20: length += 6
            case _ where scalar.value < 0x7F: length += 1
            case _ where scalar.value > 0xFFFF: length += 12
            default: length += 6
            }
        }
        return length
    }
}

extension JSONWriter {
    /// An id in its wire form, or `null` for nil.
    public mutating func uuid(_ id: UUID?) {
        guard let id else { return null() }
        unescapedString { id.writeWire(to: &$0) }
    }
}
