import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PostgresKit
import PostgresNIO
import SQLKit
import SQLiteKit
import TesseraCore

/// A result row as the stores read it, column by column through its own driver: the inline
/// SQLite driver's values directly (in the statement, or copied out where the row is kept),
/// PostgreSQL's cells through postgres-nio's decoding.
/// Reading every column through `any SQLRow`'s generic `decode` asked the runtime for a type's
/// metadata and a dynamic cast each time: a third of listing a thousand seats.
public struct StoredRow: SQLRow {
    // Each case holds one reference: every column read switches over the source, and copying
    // out a payload of several references retained each of them once per column (retains and
    // releases were a sixth of listing a thousand seats on SQLite).
    private enum Source {
        case sqlite(InlineSQLiteRow)
        /// Valid only while the statement is on this row (`SQLSession.rows(_:_:)`'s `read`).
        case sqliteInPlace(SQLiteStatementRow)
        case postgres(PostgresCells)
    }

    /// A PostgreSQL row with its cells found by position: `columns`, made once per result,
    /// finds a name with one comparison where postgres-nio's lookup hashed it (twice, since an
    /// unknown name must be asked about first): a tenth of listing a thousand seats.
    private final class PostgresCells: Sendable {
        let row: PostgresRow
        let cells: PostgresRandomAccessRow
        let columns: ResultColumns

        init(_ row: PostgresRow, columns: ResultColumns) {
            self.row = row
            cells = row.makeRandomAccess()
            self.columns = columns
        }

        func cell(_ column: String) throws -> PostgresCell {
            guard let position = columns.position(of: column), position < cells.count else {
                throw DatabaseError.unexpected("no column \(column) in the result")
            }
            return cells[position]
        }
    }
    private let source: Source

    init(sqlite row: InlineSQLiteRow) {
        source = .sqlite(row)
    }

    /// A row read where its statement stepped to it: the caller must not keep it.
    init(sqliteInPlace row: SQLiteStatementRow) {
        source = .sqliteInPlace(row)
    }

    /// `columns`: the names of the result's columns, shared by its rows (`PostgresRow.columnNames`).
    init(postgres row: PostgresRow, columns: ResultColumns) {
        source = .postgres(PostgresCells(row, columns: columns))
    }

    /// The row as SQLKit sees it, for the `SQLRow` requirements (tests and tools; the stores
    /// read through the typed methods below).
    private var row: any SQLRow {
        switch source {
        case .sqlite(let row): row
        case .sqliteInPlace(let row): row
        case .postgres(let postgres): postgres.row.sql()
        }
    }

    public var allColumns: [String] { row.allColumns }
    public func contains(column: String) -> Bool { row.contains(column: column) }
    public func decodeNil(column: String) throws -> Bool { try row.decodeNil(column: column) }
    public func decode<D: Decodable>(column: String, as type: D.Type) throws -> D {
        try row.decode(column: column, as: type)
    }

    /// One column as `T`, by the shortest way the row's driver has.
    private func read<T: SQLiteReadable & PostgresDecodable & Decodable>(_ column: String, as _: T.Type) throws -> T {
        switch source {
        case .sqlite(let row):
            return try T(sqlite: try row.value(column), column: column)
        case .sqliteInPlace(let row):
            return try T(sqlite: try row.value(column), column: column)
        case .postgres(let postgres):
            let cell = try postgres.cell(column)
            do {
                return try cell.decode(T.self)
            } catch {
                throw DatabaseError.unexpected("cannot read \(T.self) from \(column)")
            }
        }
    }

    func uuid(_ column: String) throws -> UUID {
        guard let id = try optionalUUID(column) else { throw DatabaseError.unexpected("no uuid in \(column)") }
        return id
    }
    /// An id, nil for NULL; text that is not an id throws. On SQLite read from the row's
    /// bytes, without a `String` (a seat row holds eight ids).
    func optionalUUID(_ column: String) throws -> UUID? {
        switch source {
        case .sqlite(let row):
            return try Self.optionalUUID(column, in: row)
        case .sqliteInPlace(let row):
            return try Self.optionalUUID(column, in: row)
        case .postgres(let postgres):
            // Ids are TEXT: parsed from the cell's bytes, without a `String` first.
            let cell = try postgres.cell(column)
            guard cell.dataType == .text || cell.dataType == .varchar else {
                throw DatabaseError.unexpected("cannot read an id from \(column)")
            }
            guard let bytes = cell.bytes else { return nil }
            let id = bytes.withUnsafeReadableBytes { UUID(wireUTF8: $0.assumingMemoryBound(to: UInt8.self)) }
            guard let id else { throw DatabaseError.unexpected("bad uuid in \(column)") }
            return id
        }
    }
    private static func optionalUUID(_ column: String, in row: some SQLiteColumnReading) throws -> UUID? {
        try row.withText(column) { text -> UUID in
            guard let id = UUID(wireUTF8: text) else { throw DatabaseError.unexpected("bad uuid in \(column)") }
            return id
        }
    }

    func string(_ column: String) throws -> String { try read(column, as: String.self) }
    func optionalString(_ column: String) throws -> String? { try read(column, as: String?.self) }
    func int(_ column: String) throws -> Int { try read(column, as: Int.self) }
    func optionalInt(_ column: String) throws -> Int? { try read(column, as: Int?.self) }
    func bool(_ column: String) throws -> Bool { try read(column, as: Bool.self) }
    func date(_ column: String) throws -> Date { Timestamp.date(micros: try read(column, as: Int64.self)) }
    func optionalDate(_ column: String) throws -> Date? {
        try read(column, as: Int64?.self).map(Timestamp.date(micros:))
    }
    /// A stored enum value; an unknown one throws rather than quietly becoming some default.
    func choice<Choice: RawRepresentable>(_ column: String, as _: Choice.Type) throws -> Choice
    where Choice.RawValue == String {
        let text = try read(column, as: String.self)
        guard let value = Choice(rawValue: text) else {
            throw DatabaseError.unexpected("unknown \(Choice.self) '\(text)' in \(column)")
        }
        return value
    }
    func optionalChoice<Choice: RawRepresentable>(_ column: String, as _: Choice.Type) throws -> Choice?
    where Choice.RawValue == String {
        guard try read(column, as: String?.self) != nil else { return nil }
        return try choice(column, as: Choice.self)
    }
    /// The seat pool named by a row's `subscription_id` or `order_id` (seats, grants).
    func pool() throws -> SeatPoolReference {
        if let subscriptionId = try optionalUUID("subscription_id") { return .subscription(subscriptionId) }
        if let orderId = try optionalUUID("order_id") { return .order(orderId) }
        throw DatabaseError.unexpected("a row without a pool")
    }

    func metadata(_ column: String) throws -> [String: JSONValue] {
        let text = try read(column, as: String.self)
        if text == "{}" { return [:] }  // what most seats hold: nothing to parse
        return (try? JSONValue.parse(bytes: text.utf8))?.objectValue ?? [:]
    }
}

extension PostgresRow {
    /// The names of the row's columns, in order: what `StoredRow(postgres:columns:)` finds
    /// columns by, made once for all rows of a result.
    var columnNames: ResultColumns { ResultColumns(map(\.columnName)) }
}

extension Date {
    /// The stored form of a timestamp.
    var micros: Int64 { Timestamp.micros(self) }
}

extension Optional where Wrapped == Date {
    var micros: Int64? { self.map(Timestamp.micros) }
}

extension Dictionary where Key == String, Value == JSONValue {
    var stored: String { JSONValue.object(self).serialized() }
}
