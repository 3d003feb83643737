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

/// A connection (possibly inside a transaction) plus its dialect: what every store works on.
public struct SQLSession: Sendable {
    public let sql: any SQLDatabase
    public let dialect: DatabaseDialect
    let counter: StatementCounter
    /// The PostgreSQL connection under `sql`, if any. Statements run on it directly, so that
    /// rows are read by postgres-nio's own decoding: postgres-kit's `Decodable` path cost a
    /// dynamic cast and a coding path for every column.
    let postgres: PostgresConnection?
    /// The names of the statements this database runs often on PostgreSQL (nil on SQLite,
    /// whose connections cache their prepared statements themselves).
    let statementNames: PreparedStatementNames?
    /// What this session has already read and may read again unchanged (one per transaction
    /// or lease, so nothing outlives it).
    let memo = SessionMemo()
    /// Writes held back to be sent together (`HeldWrites`): inside a PostgreSQL transaction
    /// only; nil elsewhere, and on SQLite, whose statements run inline with no round trip.
    var heldWrites: HeldWrites? = nil

    /// This session holding its writes back (`HeldWrites`) when it is on PostgreSQL.
    func holdingWrites() -> SQLSession {
        guard postgres != nil else { return self }
        var session = self
        session.heldWrites = HeldWrites()
        return session
    }

    public func execute(_ query: SQLQueryString) async throws {
        if let heldWrites, let postgres {
            var serializer = SQLSerializer(database: sql)
            query.serialize(to: &serializer)
            if let table = HeldWrites.table(ofHoldable: serializer.sql) {
                let write = HeldWrites.Write(query: query, table: table, binds: serializer.binds.count)
                if heldWrites.mustSend(before: write) { try await sendHeldWrites() }
                heldWrites.hold(write)
                return
            }
            try await sendHeldWrites()
            try await translatingErrors { try await send(serializer, on: postgres) { _ in } }
            return
        }
        try await translatingErrors {
            if let postgres {
                try await send(query, on: postgres) { _ in }
            } else {
                try await sql.raw(query).run()
            }
        }
    }

    /// Sends the writes this session holds, as one statement: before a read, a savepoint's end
    /// and a commit, so nothing is lost and every read sees them.
    func sendHeldWrites() async throws {
        guard let heldWrites, let postgres else { return }
        let writes = heldWrites.take()
        guard !writes.isEmpty else { return }
        try await translatingErrors(statements: writes.count) {
            try await send(HeldWrites.combined(writes), on: postgres) { _ in }
        }
    }

    /// Forgets the writes this session holds: the transaction or savepoint they belong to is
    /// being rolled back.
    func dropHeldWrites() {
        _ = heldWrites?.take()
    }

    /// Runs `body` inside a savepoint of the current transaction: when it throws, what it wrote
    /// is undone and the transaction goes on (on PostgreSQL, a failed statement would otherwise
    /// abort the whole transaction). One row of a bulk operation uses one.
    public func savepoint<T>(_ body: () async throws -> T) async throws -> T {
        try await execute("SAVEPOINT tessera_step")
        let result: T
        do {
            result = try await body()
            try await sendHeldWrites()
        } catch {
            dropHeldWrites()
            try await execute("ROLLBACK TO SAVEPOINT tessera_step")
            try await execute("RELEASE SAVEPOINT tessera_step")
            throw error
        }
        try await execute("RELEASE SAVEPOINT tessera_step")
        return result
    }

    /// Ids per statement where a list of ids can be long (a revoked pool's seats, a deleted
    /// customer's members): a statement's binds are bounded (65,535 on PostgreSQL, whose protocol
    /// counts them in 16 bits; 250,000 in sqlite-nio's SQLite), and a statement that long is slow
    /// to plan.
    public static let idsPerStatement = 1_000

    /// `ids` in parts of at most `perStatement`, one statement's worth each; none when there are
    /// no ids.
    public static func parts<Ids: Collection>(of ids: Ids, perStatement: Int = idsPerStatement) -> [[Ids.Element]] {
        let ids = Array(ids), step = max(perStatement, 1)
        return stride(from: 0, to: ids.count, by: step).map { Array(ids[$0..<min($0 + step, ids.count)]) }
    }

    /// The rows of `table` whose id is in `ids`, deleted ones included, read by `read` and keyed
    /// by `id`: one statement per `perStatement` ids.
    func rows<Value>(of table: String, ids: Set<UUID>, perStatement: Int = idsPerStatement,
                     _ read: (StoredRow) throws -> Value, id: (Value) -> UUID) async throws -> [UUID: Value] {
        var found: [UUID: Value] = [:]
        for part in Self.parts(of: ids, perStatement: perStatement) {
            for value in try await rows("SELECT * FROM \(unsafeRaw: table) WHERE id IN (\(binds: part.map(\.wire)))", read) {
                found[id(value)] = value
            }
        }
        return found
    }

    /// Runs `insert` (`INSERT INTO t (a, b) VALUES`) with `rows` (each a parenthesised list of
    /// values), at most 500 rows a statement: a statement's binds are bounded (see
    /// `idsPerStatement`). `suffix` follows the rows (an `ON CONFLICT` clause).
    func insert(_ insert: SQLQueryString, rows: [SQLQueryString], suffix: SQLQueryString? = nil) async throws {
        for part in Self.parts(of: rows, perStatement: 500) {
            var statement: SQLQueryString = "\(insert) \(part.joined(separator: ", "))"
            if let suffix { statement += " \(suffix)" }
            try await execute(statement)
        }
    }

    /// The rows of `query`, to be kept (on SQLite each is copied out of its statement).
    public func rows(_ query: SQLQueryString) async throws -> [StoredRow] {
        try await rows(query, inPlace: false) { $0 }
    }

    /// The rows of `query`, each read by `read` as soon as it arrives. `read` must not keep the
    /// row: on SQLite it is read where the statement holds it, and reading it after `read`
    /// returns throws.
    public func rows<Value>(_ query: SQLQueryString, _ read: (StoredRow) throws -> Value) async throws -> [Value] {
        try await rows(query, inPlace: true, read)
    }

    private func rows<Value>(_ query: SQLQueryString, inPlace: Bool, _ read: (StoredRow) throws -> Value) async throws -> [Value] {
        try await sendHeldWrites()
        return try await translatingErrors {
            if let postgres {
                var values: [Value] = []
                var columns: ResultColumns?
                try await send(query, on: postgres) { row in
                    let names = columns ?? row.columnNames
                    columns = names
                    values.append(try read(StoredRow(postgres: row, columns: names)))
                }
                return values
            }
            guard let sqlite = sql as? InlineSQLiteDatabase else { throw DatabaseError.unexpected("a session of another driver") }
            if inPlace { return try sqlite.rows(query) { try read(StoredRow(sqliteInPlace: $0)) } }
            return try sqlite.copiedRows(query).map { try read(StoredRow(sqlite: $0)) }
        }
    }

    public func first(_ query: SQLQueryString) async throws -> StoredRow? {
        try await rows(query).first
    }

    /// Sends `query` on a PostgreSQL connection and hands each row to `each` as it arrives:
    /// SQLKit writes the text and collects the binds, postgres-nio sends them. A statement this
    /// process runs often goes under a name (`PreparedStatementNames`), so PostgreSQL neither
    /// parses nor plans it again.
    private func send(_ query: SQLQueryString, on connection: PostgresConnection,
                      _ each: (PostgresRow) throws -> Void) async throws {
        var serializer = SQLSerializer(database: sql)
        query.serialize(to: &serializer)
        try await send(serializer, on: connection, each)
    }

    /// Sends a statement already written out by SQLKit.
    private func send(_ serializer: SQLSerializer, on connection: PostgresConnection,
                      _ each: (PostgresRow) throws -> Void) async throws {
        // postgres-nio 1.33 never answers a statement written to a connection that has already
        // closed (PostgreSQL restarted, or ended the session): the task is dropped with the
        // failed write, and the request would wait for ever holding its lease. Checked here,
        // where every statement is sent. A close between this check and the write is still
        // missed: only postgres-nio can close that gap.
        guard !connection.isClosed else { throw DatabaseError.unavailable }
        var bindings = PostgresBindings(capacity: serializer.binds.count)
        var types: [PostgresDataType] = []
        types.reserveCapacity(serializer.binds.count)
        for bind in serializer.binds { types.append(try Self.append(bind, to: &bindings)) }
        // Statements without parameters (BEGIN, COMMIT, savepoints) have no plan worth keeping.
        let key = types.isEmpty ? nil : PreparedStatementNames.Key(sql: serializer.sql, types: types)
        guard let key, let names = statementNames, let name = names.name(for: key) else {
            let unnamed = PostgresQuery(unsafeSQL: serializer.sql, binds: bindings)
            for try await row in try await connection.query(unnamed, logger: connection.logger) { try each(row) }
            return
        }
        do {
            try await NamedStatement.run(name: name, sql: serializer.sql, types: types, bindings: bindings,
                                         on: connection, each)
        } catch {
            names.statementFailed(key, name: name, error: error)
            throw error
        }
    }

    /// Binds a value as the SQLite driver does (`SQLiteValue(bind:)`), in PostgreSQL's types:
    /// text, integers, booleans, doubles, bytes, a UUID as its wire text (ids are stored as
    /// text), `NULL` for nil. Anything else is a programming error and says so. Answers the
    /// type the value was sent as (`.null` for NULL: PostgreSQL infers it).
    private static func append(_ bind: any Encodable & Sendable, to bindings: inout PostgresBindings) throws -> PostgresDataType {
        switch bind {
        case let value as any AbsentValue where value.isAbsent: bindings.appendNull(); return .null
        case let text as String: bindings.append(text); return .text
        case let number as Int64: bindings.append(number); return .int8
        case let number as Int: bindings.append(Int64(number)); return .int8
        case let number as Int32: bindings.append(number); return .int4
        case let flag as Bool: bindings.append(flag); return .bool
        case let number as Double: bindings.append(number); return .float8
        case let id as UUID: bindings.append(id.wire); return .text
        case let bytes as [UInt8]: bindings.append(ByteBuffer(bytes: bytes)); return .bytea
        case let data as Data: bindings.append(ByteBuffer(bytes: data)); return .bytea
        default: throw DatabaseError.unexpected("cannot bind a \(type(of: bind)) for PostgreSQL")
        }
    }

    /// Counts the round trip and its `statements`, and turns PostgreSQL's errors that callers
    /// handle into the `DatabaseError`s SQLite's connection already gives
    /// (`InlineSQLiteConnection`), so callers handle one error for both: a unique violation, a
    /// lock waited for past `lock_timeout`, a full disk; and its own: a statement past
    /// `statement_timeout` (or cancelled) into `DatabaseError.statementTimeout`, deadlock and
    /// serialization failures into `DatabaseError.transactionConflict`.
    private func translatingErrors<T>(statements: Int = 1, _ statement: () async throws -> T) async throws -> T {
        counter.add(statements: statements)
        do {
            return try await statement()
        } catch let error as PSQLError {
            switch error.serverInfo?[.sqlState] {
            case "23505": throw DatabaseError.uniqueViolation
            case "55P03": throw DatabaseError.busy
            case "53100": throw DatabaseError.storageFull
            case "57014": throw DatabaseError.statementTimeout
            case "40P01", "40001":
                // Logged here, where every path meets it (a request, a page, a bulk row, a
                // worker): a deadlock means two paths take the same locks in different orders.
                sql.logger.warning("transaction conflict", metadata: ["error": "\(loggableDescription(of: error))"])
                throw DatabaseError.transactionConflict
            default: throw error
            }
        }
    }

    /// `FOR UPDATE` on PostgreSQL; nothing on SQLite, whose `BEGIN IMMEDIATE` already excludes writers.
    var forUpdate: String { dialect == .postgres ? " FOR UPDATE" : "" }
    /// `FOR UPDATE SKIP LOCKED` on PostgreSQL, so several workers share a queue.
    var forUpdateSkipLocked: String { dialect == .postgres ? " FOR UPDATE SKIP LOCKED" : "" }
}

/// Statements run, and the round trips they took (fewer on PostgreSQL, which sends held writes
/// together: `HeldWrites`).
final class StatementCounter: Sendable {
    private let counts = NIOLockedValueBox((statements: 0, roundTrips: 0))
    var statements: Int { counts.withLockedValue { $0.statements } }
    var roundTrips: Int { counts.withLockedValue { $0.roundTrips } }
    func add(statements: Int) {
        counts.withLockedValue {
            $0.statements += statements
            $0.roundTrips += 1
        }
    }
}

/// Reads a session keeps for its own later statements.
final class SessionMemo: Sendable {
    /// An organization's enabled webhook endpoints and the events each wants: an assign emits up
    /// to three events (customer, member, seat), each of which would otherwise ask again.
    let webhookEndpoints = NIOLockedValueBox<[UUID: [(id: UUID, events: Set<WebhookEventType>)]]>([:])
}
