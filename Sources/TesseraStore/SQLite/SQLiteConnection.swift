import Foundation
import CTesseraSQLite
import VaporCSQLite

/// One SQLite connection whose statements run on the calling thread, with no hop to a thread
/// pool, and whose prepared statements are kept for reuse.
///
/// sqlite-nio runs every statement on its own thread pool and resumes the caller afterwards:
/// about 60 µs of hand-off per statement, more than SQLite itself spends on a seat write (see
/// BENCHMARKS.md). Running inline blocks the calling thread for the statement's duration, which
/// for these small indexed statements is a few microseconds. A wait for a lock another process
/// holds (a backup, the sqlite3 shell) is not run inline: `SQLiteWriter` begins without waiting
/// and waits, if it must, on a thread of NIO's pool.
///
/// Not thread-safe by itself: `SQLiteWriter` and `SQLiteConnectionPool` lend it to one task at a
/// time, which is what makes the `@unchecked Sendable` sound.
final class InlineSQLiteConnection: @unchecked Sendable {
    /// A prepared statement kept for reuse, with the names of its result columns once known.
    private final class CachedStatement {
        let pointer: OpaquePointer
        /// The columns and the preparation count (`SQLITE_STMTSTATUS_REPREPARE`) they belong to.
        var columns: (columns: ResultColumns, preparations: Int32)?
        init(pointer: OpaquePointer) { self.pointer = pointer }
    }

    private let handle: OpaquePointer
    /// How long a statement waits for a lock another connection or process holds, in ms.
    private let busyTimeoutMilliseconds: Int32
    private var statements: [String: CachedStatement] = [:]
    private var isClosed = false
    /// Whether a statement has read the file yet (see `checkpointPassively`).
    private var hasReadTheFile = false
    /// Statements whose text varies (an `IN` list of n binds) would grow the cache without end;
    /// past this many it starts afresh.
    private static let cachedStatementLimit = 256

    /// Opens `path` (`:memory:` for a private in-memory database). A read-only connection
    /// refuses every write, so a read routed to it by mistake fails loudly. Every connection
    /// waits up to `busyTimeout` for a lock another process holds before failing with
    /// `DatabaseError.busy`.
    init(path: String, readOnly: Bool, busyTimeout: Duration = TesseraDatabase.defaultSQLiteBusyTimeout) throws {
        _ = Self.statementJournalsInMemory
        var opened: OpaquePointer?
        let access = readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        let status = sqlite_nio_sqlite3_open_v2(path, &opened, access | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE, nil)
        guard status == SQLITE_OK, let opened else {
            let message = opened.map { String(cString: sqlite_nio_sqlite3_errmsg($0)) } ?? "cannot open"
            if let opened { sqlite_nio_sqlite3_close_v2(opened) }
            throw SQLiteFailure(code: status, message: message)
        }
        handle = opened
        busyTimeoutMilliseconds = Int32(clamping: Int(busyTimeout / .milliseconds(1)))
        sqlite_nio_sqlite3_busy_timeout(handle, busyTimeoutMilliseconds)
        // Plans that never depend on bound values, so a cached statement is never re-prepared
        // (it was, on every run of any seat query: see CTesseraSQLite.h).
        tessera_sqlite_enable_stable_plans(handle)
    }

    /// Statement and savepoint journals kept in memory up to 4 MiB, set before the process
    /// first opens SQLite. A transaction sharing the writer's commit runs in a savepoint
    /// (`SQLiteWriter`), whose journal keeps the first version of every page it changes: an
    /// assign's, about 40 pages, passed SQLite's default of 64 KiB and went to a temporary file,
    /// a sixth of the writer's CPU under load in `pwrite`. Larger journals (a bulk operation's)
    /// still spill, so memory stays bounded. If something opened SQLite first, the call changes
    /// nothing (`SQLITE_MISUSE`): slower, never wrong.
    private static let statementJournalsInMemory: Void = {
        _ = tessera_sqlite_keep_statement_journals_in_memory(4 << 20)
    }()

    deinit { close() }

    /// Runs one statement with its binds, handing each result row to `onRow` where it lies in
    /// the statement: the row can be read only during that call (``SQLiteStatementRow``).
    func run(_ sql: String, binds: [SQLiteValue], onRow: (SQLiteStatementRow) throws -> Void) throws {
        guard !isClosed else { throw SQLiteFailure(code: SQLITE_MISUSE, message: "the connection is closed") }
        let statement = try prepared(sql)
        let pointer = statement.pointer
        defer {
            sqlite_nio_sqlite3_reset(pointer)
            sqlite_nio_sqlite3_clear_bindings(pointer)
        }
        for (offset, value) in binds.enumerated() {
            try check(bind(value, at: Int32(offset + 1), in: pointer))
        }
        var columns: ResultColumns?
        while true {
            let status = sqlite_nio_sqlite3_step(pointer)
            if status == SQLITE_DONE { return }
            guard status == SQLITE_ROW else { throw failure(status) }
            let names = columns ?? self.columns(of: statement)
            columns = names
            // One per row, ended when `onRow` returns: a row kept past that throws when read
            // rather than reading whatever row the statement has moved on to.
            let row = SQLiteStatementRow(statement: pointer, columns: names)
            defer { row.end() }
            try onRow(row)
        }
    }

    /// How many times SQLite has prepared the cached statement for `sql` again since it was
    /// first prepared (nil when it is not cached): what the tests of stable plans read.
    func repreparations(of sql: String) -> Int32? {
        statements[sql].map { sqlite_nio_sqlite3_stmt_status($0.pointer, SQLITE_STMTSTATUS_REPREPARE, 0) }
    }

    /// The statement's result columns, named once per preparation: SQLite re-prepares a
    /// statement by itself after a schema change, which can change its columns (`SELECT *`).
    private func columns(of statement: CachedStatement) -> ResultColumns {
        let preparations = sqlite_nio_sqlite3_stmt_status(statement.pointer, SQLITE_STMTSTATUS_REPREPARE, 0)
        if let known = statement.columns, known.preparations == preparations { return known.columns }
        let count = sqlite_nio_sqlite3_column_count(statement.pointer)
        let columns = ResultColumns((0..<count).map { String(cString: sqlite_nio_sqlite3_column_name(statement.pointer, $0)) })
        statement.columns = (columns, preparations)
        return columns
    }

    /// Copies what it can of the WAL into the database file without waiting for any other
    /// connection (`PASSIVE`), and says how much of the WAL is now copied.
    @discardableResult
    func checkpointPassively() throws -> WALCheckpoint {
        let (status, checkpoint) = try walCheckpoint(SQLITE_CHECKPOINT_PASSIVE)
        try check(status)
        return checkpoint
    }

    /// Empties the WAL file (`TRUNCATE`) if it is all copied, no transaction is writing and no
    /// reader is reading from it; false, at once, if any is: without waiting for them, so that
    /// a writer or a reader (the sqlite3 shell, a backup) never waits behind this.
    func truncateWALIfUnused() throws -> Bool {
        try withoutWaiting {
            let (status, _) = try walCheckpoint(SQLITE_CHECKPOINT_TRUNCATE)
            if status & 0xff == SQLITE_BUSY { return false }
            try check(status)
            return true
        }
    }

    /// Runs `sql`, a statement without binds or rows, unless it would have to wait for a lock
    /// another connection or process holds: false, at once, if it would.
    func runWithoutWaiting(_ sql: String) throws -> Bool {
        try withoutWaiting {
            do {
                try run(sql, binds: []) { _ in }
                return true
            } catch DatabaseError.busy {
                return false
            }
        }
    }

    private func withoutWaiting<T>(_ body: () throws -> T) rethrows -> T {
        sqlite_nio_sqlite3_busy_timeout(handle, 0)
        defer { sqlite_nio_sqlite3_busy_timeout(handle, busyTimeoutMilliseconds) }
        return try body()
    }

    /// One checkpoint in `mode`, through the C call rather than `PRAGMA wal_checkpoint`, which
    /// SQLite prepares anew on every run: its status, and the WAL's frames and those copied.
    private func walCheckpoint(_ mode: Int32) throws -> (status: Int32, checkpoint: WALCheckpoint) {
        guard !isClosed else { throw SQLiteFailure(code: SQLITE_MISUSE, message: "the connection is closed") }
        // A connection learns that the file is in WAL mode only by reading it; until then
        // SQLite's checkpoint call does nothing. Once is enough: it keeps the WAL open after.
        if !hasReadTheFile {
            try run("PRAGMA schema_version", binds: []) { _ in }
            hasReadTheFile = true
        }
        var frames: Int32 = 0
        var copied: Int32 = 0
        let status = sqlite_nio_sqlite3_wal_checkpoint_v2(handle, nil, mode, &frames, &copied)
        return (status, WALCheckpoint(frames: Int(max(frames, 0)), copied: Int(max(copied, 0))))
    }

    /// Whether a transaction is open: false after SQLite rolled one back by itself.
    var isInTransaction: Bool { !isClosed && sqlite_nio_sqlite3_get_autocommit(handle) == 0 }

    func close() {
        guard !isClosed else { return }
        isClosed = true
        for statement in statements.values { sqlite_nio_sqlite3_finalize(statement.pointer) }
        statements = [:]
        sqlite_nio_sqlite3_close_v2(handle)
    }

    private func prepared(_ sql: String) throws -> CachedStatement {
        if let cached = statements[sql] { return cached }
        if statements.count >= Self.cachedStatementLimit {
            for statement in statements.values { sqlite_nio_sqlite3_finalize(statement.pointer) }
            statements = [:]
        }
        var statement: OpaquePointer?
        var rest = false
        let status = sql.withCString { text -> Int32 in
            var tail: UnsafePointer<CChar>?
            let status = sqlite_nio_sqlite3_prepare_v3(handle, text, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, &tail)
            // SQLite compiles only the first statement of a text; a second one would be dropped silently.
            if let tail { rest = String(cString: tail).contains { !$0.isWhitespace && $0 != ";" } }
            return status
        }
        guard status == SQLITE_OK, let statement else { throw failure(status) }
        guard !rest else {
            sqlite_nio_sqlite3_finalize(statement)
            throw SQLiteFailure(code: SQLITE_MISUSE, message: "one statement at a time")
        }
        let cached = CachedStatement(pointer: statement)
        statements[sql] = cached
        return cached
    }

    private func bind(_ value: SQLiteValue, at index: Int32, in statement: OpaquePointer) -> Int32 {
        switch value {
        case .null:
            return sqlite_nio_sqlite3_bind_null(statement, index)
        case .integer(let number):
            return sqlite_nio_sqlite3_bind_int64(statement, index, number)
        case .real(let number):
            return sqlite_nio_sqlite3_bind_double(statement, index, number)
        case .text(let text):
            // The length is given, so a NUL inside the text is kept rather than ending it.
            return text.withCString {
                sqlite_nio_sqlite3_bind_text64(statement, index, $0, UInt64(text.utf8.count), transient, UInt8(SQLITE_UTF8))
            }
        case .blob(let bytes):
            return bytes.withUnsafeBytes {
                // An empty blob needs a non-null pointer, or SQLite binds NULL.
                sqlite_nio_sqlite3_bind_blob64(statement, index, $0.baseAddress ?? UnsafeRawPointer(bitPattern: 1),
                                               UInt64($0.count), transient)
            }
        }
    }

    private func check(_ status: Int32) throws {
        guard status == SQLITE_OK else { throw failure(status) }
    }

    /// The error for a failed call: the one place SQLite's result codes become errors. Those
    /// that callers handle for both engines are `DatabaseError`s, as PostgreSQL's are
    /// (`SQLSession`): a unique violation, a lock another process held past the busy timeout
    /// (or at all, when told not to wait), and a full disk.
    private func failure(_ status: Int32) -> any Error {
        let failure = SQLiteFailure(code: sqlite_nio_sqlite3_extended_errcode(handle),
                                    message: String(cString: sqlite_nio_sqlite3_errmsg(handle)))
        if failure.isUniqueViolation { return DatabaseError.uniqueViolation }
        if failure.code & 0xff == SQLITE_BUSY { return DatabaseError.busy }
        if failure.code & 0xff == SQLITE_FULL { return DatabaseError.storageFull }
        return failure
    }
}

/// SQLite's `SQLITE_TRANSIENT`: SQLite copies the bound bytes before the call returns.
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// A value as SQLite stores it.
enum SQLiteValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

/// An error SQLite reported, with its extended result code. Its message names tables and
/// columns, never a bound value.
public struct SQLiteFailure: Error, CustomStringConvertible, Sendable {
    public let code: Int32
    public let message: String

    public var description: String { "SQLite error \(code): \(message)" }

    /// What this failure, met opening the database file at `path`, means to the person who named it.
    func openingDescription(path: String) -> String {
        switch code & 0xff {
        case SQLITE_CANTOPEN:
            "Cannot open the SQLite database \(path): \(message) (does its folder exist, and may this user write there?)"
        case SQLITE_NOTADB:
            "\(path) is not a SQLite database (\(message))"
        default:
            "Cannot open the SQLite database \(path): \(message)"
        }
    }

    /// A `UNIQUE` or primary-key constraint refused the write.
    var isUniqueViolation: Bool {
        // SQLITE_CONSTRAINT_UNIQUE and SQLITE_CONSTRAINT_PRIMARYKEY, macros Swift does not import.
        code == SQLITE_CONSTRAINT | (8 << 8) || code == SQLITE_CONSTRAINT | (6 << 8)
    }
}

/// The row a statement has just stepped to, read where it lies: a list of a thousand seats copied
/// every row into a buffer of its own first (8% of the list's time). Valid only during the call it
/// is handed to; reading it afterwards throws. ``copy(capacity:)`` keeps a row for later.
///
/// Not thread-safe: read on the thread stepping its statement, which is what makes the
/// `@unchecked Sendable` (required of a `StoredRow`'s parts) sound.
final class SQLiteStatementRow: SQLiteColumnReading, @unchecked Sendable {
    private let statement: OpaquePointer
    let columns: ResultColumns
    private var isCurrent = true

    fileprivate init(statement: OpaquePointer, columns: ResultColumns) {
        self.statement = statement
        self.columns = columns
    }

    fileprivate func end() { isCurrent = false }

    func isNull(_ column: String) throws -> Bool {
        sqlite_nio_sqlite3_column_type(statement, try position(column)) == SQLITE_NULL
    }

    func value(_ column: String) throws -> SQLiteValue {
        let index = try position(column)
        switch sqlite_nio_sqlite3_column_type(statement, index) {
        case SQLITE_INTEGER: return .integer(sqlite_nio_sqlite3_column_int64(statement, index))
        case SQLITE_FLOAT: return .real(sqlite_nio_sqlite3_column_double(statement, index))
        case SQLITE_TEXT: return .text(String(decoding: text(at: index), as: UTF8.self))
        case SQLITE_BLOB: return .blob(Array(blob(at: index)))
        default: return .null
        }
    }

    func withText<Result>(_ column: String, _ body: (UnsafeBufferPointer<UInt8>) throws -> Result) throws -> Result? {
        let index = try position(column)
        switch sqlite_nio_sqlite3_column_type(statement, index) {
        case SQLITE_NULL: return nil
        case SQLITE_TEXT: return try body(text(at: index))
        default: throw DatabaseError.unexpected("\(column) does not hold text")
        }
    }

    /// The row copied out of the statement, to be read after the statement moves on.
    /// `capacity`: a guess at its text and blob bytes (the last row's length, since rows of one
    /// statement are alike).
    func copy(capacity: Int = 0) throws -> InlineSQLiteRow {
        guard isCurrent else { throw Self.ended }
        let count = Int32(columns.names.count)
        var cells: [InlineSQLiteRow.Cell] = []
        cells.reserveCapacity(Int(count))
        var bytes: [UInt8] = []
        bytes.reserveCapacity(capacity)
        for column in 0..<count {
            switch sqlite_nio_sqlite3_column_type(statement, column) {
            case SQLITE_INTEGER:
                cells.append(.integer(sqlite_nio_sqlite3_column_int64(statement, column)))
            case SQLITE_FLOAT:
                cells.append(.real(sqlite_nio_sqlite3_column_double(statement, column)))
            case SQLITE_TEXT:
                let start = bytes.count
                bytes.append(contentsOf: text(at: column))
                cells.append(.text(start..<bytes.count))
            case SQLITE_BLOB:
                let start = bytes.count
                bytes.append(contentsOf: blob(at: column))
                cells.append(.blob(start..<bytes.count))
            default:
                cells.append(.null)
            }
        }
        return InlineSQLiteRow(columns: columns, cells: cells, bytes: bytes)
    }

    private static let ended = DatabaseError.unexpected("a SQLite row read after its statement moved on")

    private func position(_ column: String) throws -> Int32 {
        guard isCurrent else { throw Self.ended }
        guard let index = columns.position(of: column) else {
            throw DatabaseError.unexpected("no column \(column) in the result")
        }
        return Int32(index)
    }

    /// The column's text as SQLite holds it: valid until the statement steps or converts it.
    private func text(at index: Int32) -> UnsafeBufferPointer<UInt8> {
        // The text first, then its length, as SQLite asks: the length is of the text as converted.
        let text = sqlite_nio_sqlite3_column_text(statement, index)
        let length = Int(sqlite_nio_sqlite3_column_bytes(statement, index))
        return UnsafeBufferPointer(start: text, count: text == nil ? 0 : length)
    }

    private func blob(at index: Int32) -> UnsafeRawBufferPointer {
        let blob = sqlite_nio_sqlite3_column_blob(statement, index)
        let length = Int(sqlite_nio_sqlite3_column_bytes(statement, index))
        return UnsafeRawBufferPointer(start: blob, count: blob == nil ? 0 : length)
    }
}

/// How far a checkpoint got: the WAL's frames (one changed page each) and how many of them are
/// now in the database file.
struct WALCheckpoint: Equatable {
    let frames: Int
    let copied: Int

    /// Frames committed to the WAL but not yet copied into the database file.
    var uncopied: Int { frames - copied }
}
