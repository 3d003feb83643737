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

extension SQLRow {
    func uuid(_ column: String) throws -> UUID {
        let text = try decode(column: column, as: String.self)
        guard let id = UUID(wire: text) else { throw DatabaseError.unexpected("bad uuid in \(column)") }
        return id
    }
    func optionalUUID(_ column: String) throws -> UUID? {
        try decode(column: column, as: String?.self).flatMap { UUID(wire: $0) }
    }
    func string(_ column: String) throws -> String { try decode(column: column, as: String.self) }
    func optionalString(_ column: String) throws -> String? { try decode(column: column, as: String?.self) }
    func int(_ column: String) throws -> Int { try decode(column: column, as: Int.self) }
    func optionalInt(_ column: String) throws -> Int? { try decode(column: column, as: Int?.self) }
    func bool(_ column: String) throws -> Bool { try decode(column: column, as: Bool.self) }
    func date(_ column: String) throws -> Date { Timestamp.date(micros: try decode(column: column, as: Int64.self)) }
    func optionalDate(_ column: String) throws -> Date? {
        try decode(column: column, as: Int64?.self).map(Timestamp.date(micros:))
    }
    /// A stored enum value; an unknown one throws rather than quietly becoming some default.
    func choice<Choice: RawRepresentable>(_ column: String, as _: Choice.Type) throws -> Choice
    where Choice.RawValue == String {
        let text = try decode(column: column, as: String.self)
        guard let value = Choice(rawValue: text) else {
            throw DatabaseError.unexpected("unknown \(Choice.self) '\(text)' in \(column)")
        }
        return value
    }
    func optionalChoice<Choice: RawRepresentable>(_ column: String, as _: Choice.Type) throws -> Choice?
    where Choice.RawValue == String {
        guard try decode(column: column, as: String?.self) != nil else { return nil }
        return try choice(column, as: Choice.self)
    }
    func metadata(_ column: String) throws -> [String: JSONValue] {
        let text = try decode(column: column, as: String.self)
        return JSONValue.parse(Data(text.utf8))?.objectValue ?? [:]
    }
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
