import Foundation
import Logging
import NIOCore
import NIOPosix
import SQLKit
import SQLiteKit
import Synchronization
import TesseraCore

/// SQLKit's view of an `InlineSQLiteConnection`: the stores' SQL, serialised with sqlite-kit's
/// dialect, run inline. Valid only while the connection is lent to the caller.
struct InlineSQLiteDatabase: SQLDatabase {
    let connection: InlineSQLiteConnection
    let logger: Logger

    var eventLoop: any EventLoop { MultiThreadedEventLoopGroup.singleton.any() }
    var dialect: any SQLDialect { SQLiteDialect() }
    var queryLogLevel: Logger.Level? { nil }

    // SQLKit may keep the rows it is handed, so they are copied out of the statement.
    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        try run(query) { onRow(try $0.copy()) }
    }

    func execute(sql query: any SQLExpression,
                 _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        do {
            try run(query) { onRow(try $0.copy()) }
            return eventLoop.makeSucceededVoidFuture()
        } catch {
            return eventLoop.makeFailedFuture(error)
        }
    }

    /// Runs `query` and reads each row where the statement stepped to it, while its values are
    /// still in the cache (reading a thousand seat rows after all were fetched waited on memory).
    /// `read` must not keep the row (``SQLiteStatementRow``).
    func rows<Value>(_ query: any SQLExpression, _ read: (SQLiteStatementRow) throws -> Value) throws -> [Value] {
        var values: [Value] = []
        try run(query) { values.append(try read($0)) }
        return values
    }

    /// The rows of `query`, each copied out of the statement to be kept.
    func copiedRows(_ query: any SQLExpression) throws -> [InlineSQLiteRow] {
        var rows: [InlineSQLiteRow] = []
        // Rows of one statement are alike: the last one's length is the next one's guess.
        var lastLength = 0
        try run(query) { row in
            let copy = try row.copy(capacity: lastLength)
            lastLength = copy.byteCount
            rows.append(copy)
        }
        return rows
    }

    private func run(_ query: any SQLExpression, _ onRow: (SQLiteStatementRow) throws -> Void) throws {
        var serializer = SQLSerializer(database: self)
        query.serialize(to: &serializer)
        let binds = try serializer.binds.map(SQLiteValue.init(bind:))
        try connection.run(serializer.sql, binds: binds, onRow: onRow)
    }
}

extension SQLiteValue {
    /// A bound value as SQLite stores it: the types the stores bind, each optional too.
    /// Anything else is a programming error, reported rather than guessed at.
    init(bind: any Encodable & Sendable) throws {
        switch bind {
        case let text as String: self = .text(text)
        case let number as Int: self = .integer(Int64(number))
        case let number as Int64: self = .integer(number)
        case let number as Int32: self = .integer(Int64(number))
        case let flag as Bool: self = .integer(flag ? 1 : 0)
        case let number as Double: self = .real(number)
        case let id as UUID: self = .text(id.wire)  // as the stores write ids, so a bound UUID matches them
        case let bytes as [UInt8]: self = .blob(bytes)
        case let data as Data: self = .blob(Array(data))
        case let optional as any AbsentValue where optional.isAbsent: self = .null
        default: throw DatabaseError.unexpected("SQLite cannot bind a value of type \(type(of: bind))")
        }
    }
}

/// Lets a bound `nil` of any optional type be recognised as SQL `NULL`.
protocol AbsentValue { var isAbsent: Bool { get } }
extension Optional: AbsentValue { var isAbsent: Bool { self == nil } }

/// How the stores read a SQLite result row's columns, wherever the row is: in its statement
/// (``SQLiteStatementRow``) or copied out (``InlineSQLiteRow``). A class each, so that handing a
/// row to each column's reader retains one reference.
protocol SQLiteColumnReading: SQLRow, AnyObject {
    var columns: ResultColumns { get }
    /// Whether the column is NULL, without reading its value.
    func isNull(_ column: String) throws -> Bool
    /// The column's value, its text made a `String`.
    func value(_ column: String) throws -> SQLiteValue
    /// The column's text as bytes, nil for NULL, without making a `String`: ids are read this
    /// way. Another type throws, as `String(sqlite:)` would not (it turns numbers into text),
    /// so callers that accept numbers read ``value(_:)`` instead.
    func withText<Result>(_ column: String, _ body: (UnsafeBufferPointer<UInt8>) throws -> Result) throws -> Result?
}

extension SQLiteColumnReading {
    var allColumns: [String] { columns.names }

    func contains(column: String) -> Bool { columns.position(of: column) != nil }

    func decodeNil(column: String) throws -> Bool { try isNull(column) }

    /// Decodes the column types the stores read, without a `Decoder` per column. The type is
    /// matched by identity: asking whether `D` conforms to a protocol was a tenth of a long list.
    func decode<D: Decodable>(column: String, as _: D.Type) throws -> D {
        let value = try value(column)
        let decoded: Any
        switch ObjectIdentifier(D.self) {
        case ReadableType.string: decoded = try String(sqlite: value, column: column)
        case ReadableType.optionalString: decoded = try String?(sqlite: value, column: column) as Any
        case ReadableType.int64: decoded = try Int64(sqlite: value, column: column)
        case ReadableType.optionalInt64: decoded = try Int64?(sqlite: value, column: column) as Any
        case ReadableType.int: decoded = try Int(sqlite: value, column: column)
        case ReadableType.optionalInt: decoded = try Int?(sqlite: value, column: column) as Any
        case ReadableType.bool: decoded = try Bool(sqlite: value, column: column)
        case ReadableType.optionalBool: decoded = try Bool?(sqlite: value, column: column) as Any
        case ReadableType.double: decoded = try Double(sqlite: value, column: column)
        case ReadableType.optionalDouble: decoded = try Double?(sqlite: value, column: column) as Any
        default: throw DatabaseError.unexpected("SQLite cannot read \(D.self) from \(column)")
        }
        guard let typed = decoded as? D else { throw DatabaseError.unexpected("SQLite read the wrong type from \(column)") }
        return typed
    }
}

/// One result row, copied out of its statement to be kept: numbers as they are, and the bytes
/// of every text and blob value back to back in one buffer. A row is then two allocations
/// however many columns it has (a `String` per text value made a seat row about fifteen), and
/// text becomes a `String` only when a store asks for one.
final class InlineSQLiteRow: SQLiteColumnReading, Sendable {
    /// Where one column's value is.
    enum Cell: Sendable {
        case null
        case integer(Int64)
        case real(Double)
        /// The value's bytes in the row's buffer.
        case text(Range<Int>)
        case blob(Range<Int>)
    }

    let columns: ResultColumns
    private let cells: [Cell]
    private let bytes: [UInt8]

    init(columns: ResultColumns, cells: [Cell], bytes: [UInt8]) {
        self.columns = columns
        self.cells = cells
        self.bytes = bytes
    }

    /// The bytes its text and blob values take.
    var byteCount: Int { bytes.count }

    func isNull(_ column: String) throws -> Bool {
        if case .null = try cell(column) { return true }
        return false
    }

    func value(_ column: String) throws -> SQLiteValue {
        switch try cell(column) {
        case .null: .null
        case .integer(let number): .integer(number)
        case .real(let number): .real(number)
        case .text(let range): .text(String(decoding: bytes[range], as: UTF8.self))
        case .blob(let range): .blob(Array(bytes[range]))
        }
    }

    func withText<Result>(_ column: String, _ body: (UnsafeBufferPointer<UInt8>) throws -> Result) throws -> Result? {
        switch try cell(column) {
        case .null: return nil
        case .text(let range): return try bytes.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[range])) }
        default: throw DatabaseError.unexpected("\(column) does not hold text")
        }
    }

    private func cell(_ column: String) throws -> Cell {
        guard let index = columns.position(of: column) else {
            throw DatabaseError.unexpected("no column \(column) in the result")
        }
        return cells[index]
    }
}

/// The identities of the types a row decodes, made once: `String?.self` written in place asks
/// the runtime for `Optional<String>`'s metadata at every use.
private enum ReadableType {
    static let string = ObjectIdentifier(String.self)
    static let optionalString = ObjectIdentifier(String?.self)
    static let int64 = ObjectIdentifier(Int64.self)
    static let optionalInt64 = ObjectIdentifier(Int64?.self)
    static let int = ObjectIdentifier(Int.self)
    static let optionalInt = ObjectIdentifier(Int?.self)
    static let bool = ObjectIdentifier(Bool.self)
    static let optionalBool = ObjectIdentifier(Bool?.self)
    static let double = ObjectIdentifier(Double.self)
    static let optionalDouble = ObjectIdentifier(Double?.self)
}

/// A Swift type a column can be read as, with the conversions sqlite-kit allowed.
protocol SQLiteReadable {
    init(sqlite value: SQLiteValue, column: String) throws
}

private func mismatch(_ value: SQLiteValue, _ type: Any.Type, _ column: String) -> DatabaseError {
    .unexpected("cannot read \(type) from \(column), which holds \(value)")
}

extension String: SQLiteReadable {
    init(sqlite value: SQLiteValue, column: String) throws {
        switch value {
        case .text(let text): self = text
        case .integer(let number): self = String(number)
        case .real(let number): self = String(number)
        default: throw mismatch(value, String.self, column)
        }
    }
}

extension Int64: SQLiteReadable {
    init(sqlite value: SQLiteValue, column: String) throws {
        switch value {
        case .integer(let number): self = number
        case .real(let number) where number.rounded() == number && abs(number) < 9.2e18: self = Int64(number)
        case .text(let text):
            guard let number = Int64(text) else { throw mismatch(value, Int64.self, column) }
            self = number
        default: throw mismatch(value, Int64.self, column)
        }
    }
}

extension Int: SQLiteReadable {
    init(sqlite value: SQLiteValue, column: String) throws {
        self = Int(try Int64(sqlite: value, column: column))
    }
}

extension Bool: SQLiteReadable {
    init(sqlite value: SQLiteValue, column: String) throws {
        self = try Int64(sqlite: value, column: column) != 0
    }
}

extension Double: SQLiteReadable {
    init(sqlite value: SQLiteValue, column: String) throws {
        switch value {
        case .real(let number): self = number
        case .integer(let number): self = Double(number)
        default: throw mismatch(value, Double.self, column)
        }
    }
}

extension Optional: SQLiteReadable where Wrapped: SQLiteReadable {
    init(sqlite value: SQLiteValue, column: String) throws {
        self = value == .null ? nil : try Wrapped(sqlite: value, column: column)
    }
}
