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

/// Which SQL engine is behind a `TesseraDatabase`.
public enum DatabaseDialect: String, Sendable {
    case sqlite, postgres
}

/// Where the data lives, parsed from `--database-url`.
public enum DatabaseLocation: Sendable, Equatable {
    case sqliteFile(String)
    case sqliteMemory
    case postgres(host: String, port: Int, username: String, password: String?, database: String)

    /// `postgres://user:pass@host:port/db` (or `postgresql://`), else a SQLite file path
    /// (`sqlite://path` and `:memory:` also accepted).
    public init(url: String) throws {
        if url == ":memory:" {
            self = .sqliteMemory
        } else if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            guard let components = URLComponents(string: url), let host = components.host, !host.isEmpty,
                  let username = components.user, !username.isEmpty else {
                throw DatabaseError.badURL("expected postgres://user[:password]@host[:port]/database")
            }
            let database = String(components.path.drop(while: { $0 == "/" }))
            self = .postgres(
                host: host, port: components.port ?? 5432, username: username,
                password: components.password?.removingPercentEncoding,
                database: database.isEmpty ? username : database)
        } else if url.hasPrefix("sqlite://") {
            self = .sqliteFile(String(url.dropFirst("sqlite://".count)))
        } else if url.contains("://") {
            throw DatabaseError.badURL("use a SQLite file path or postgres://user:pass@host:port/db")
        } else {
            self = .sqliteFile(url)
        }
    }
}

/// A log-safe description of any error: for PostgreSQL, the server's SQLSTATE and message
/// (PSQLError prints only a generic text, and its debug form includes bound values, which
/// may hold secrets).
public func loggableDescription(of error: any Error) -> String {
    if let error = error as? PSQLError {
        let state = error.serverInfo?[.sqlState] ?? "-"
        let message = error.serverInfo?[.message] ?? "\(error.code)"
        return "PostgreSQL \(state): \(message)"
    }
    return "\(error)"
}

public enum DatabaseError: Error, CustomStringConvertible {
    case badURL(String)
    case unexpected(String)
    /// A unique index refused a write: a concurrent request made the same thing first.
    case uniqueViolation

    public var description: String {
        switch self {
        case .badURL(let message): "Invalid database URL: \(message)"
        case .unexpected(let message): message
        case .uniqueViolation: "A unique constraint was violated"
        }
    }
}

/// The one way into the database: connections and transactions over SQLite or PostgreSQL.
///
/// SQLite uses a single connection behind an async gate, since sqlite-nio's shared thread
/// pool deadlocks when several connections wait on the write lock (see STACK-NOTES). Its
/// transactions start with `BEGIN IMMEDIATE`, which is what serialises seat assignment.
/// PostgreSQL uses postgres-nio's `PostgresClient` pool, run by a task this object owns.
public final class TesseraDatabase: Sendable {
    public let dialect: DatabaseDialect
    private let backend: Backend
    let logger: Logger
    private let statements = StatementCounter()

    /// How many SQL statements this database has run: lets tests prove that an operation's
    /// cost does not grow with the data (for example, listing a pool of 1,000 seats).
    public var statementCount: Int { statements.value }

    private enum Backend: Sendable {
        case sqlite(SQLiteConnection, AsyncGate)
        case postgres(PostgresClient, Task<Void, Never>)
    }

    private init(dialect: DatabaseDialect, backend: Backend, logger: Logger) {
        self.dialect = dialect
        self.backend = backend
        self.logger = logger
    }

    /// Opens the database. Call `shutdown()` on every path once done.
    public static func open(_ location: DatabaseLocation, logger: Logger) async throws -> TesseraDatabase {
        switch location {
        case .sqliteFile, .sqliteMemory:
            let storage: SQLiteConnection.Storage
            if case .sqliteFile(let path) = location { storage = .file(path: path) } else { storage = .memory }
            let connection = try await SQLiteConnection.open(storage: storage, logger: logger)
            do {
                let sql = connection.sql(queryLogLevel: nil)
                // WAL lets readers in other processes (backups, sqlite3 CLI) work alongside the server.
                if case .sqliteFile = location { try await sql.raw("PRAGMA journal_mode = WAL").run() }
                try await sql.raw("PRAGMA foreign_keys = ON").run()
                try await sql.raw("PRAGMA busy_timeout = 5000").run()
                try await sql.raw("PRAGMA synchronous = NORMAL").run()
            } catch {
                try? await connection.close()
                throw error
            }
            return TesseraDatabase(dialect: .sqlite, backend: .sqlite(connection, AsyncGate()), logger: logger)

        case .postgres(let host, let port, let username, let password, let database):
            var configuration = PostgresClient.Configuration(
                host: host, port: port, username: username, password: password, database: database, tls: .disable)
            configuration.options.maximumConnections = 20
            let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
            // Wait until the runner task is under way, so the first lease does not find the pool
            // not yet running (postgres-nio warns about that).
            let (started, startedContinuation) = AsyncStream<Void>.makeStream()
            let runner = Task {
                startedContinuation.finish()
                await client.run()
            }
            for await _ in started {}
            let db = TesseraDatabase(dialect: .postgres, backend: .postgres(client, runner), logger: logger)
            do {
                // Fail fast on an unreachable server instead of at the first request.
                try await db.withConnection { try await $0.execute("SELECT 1") }
            } catch {
                await db.shutdown()
                throw error
            }
            return db
        }
    }

    /// Runs `body` on one connection, outside any transaction.
    public func withConnection<T: Sendable>(_ body: (SQLSession) async throws -> T) async throws -> T {
        switch backend {
        case .sqlite(let connection, let gate):
            return try await gate.withLock {
                try await body(SQLSession(sql: connection.sql(queryLogLevel: nil), dialect: .sqlite, counter: statements))
            }
        case .postgres(let client, _):
            return try await client.withConnection { connection in
                try await body(SQLSession(sql: connection.sql(queryLogLevel: nil), dialect: .postgres, counter: statements))
            }
        }
    }

    /// Runs `body` in one transaction, committed when it returns and rolled back when it throws.
    public func transaction<T: Sendable>(_ body: (SQLSession) async throws -> T) async throws -> T {
        try await withConnection { session in
            try await session.execute(self.dialect == .sqlite ? "BEGIN IMMEDIATE" : "BEGIN")
            let result: T
            do {
                result = try await body(session)
            } catch {
                do {
                    try await session.execute("ROLLBACK")
                } catch let rollbackError {
                    self.logger.error("rollback failed", metadata: ["error": "\(loggableDescription(of: rollbackError))"])
                }
                throw error
            }
            try await session.execute("COMMIT")
            return result
        }
    }

    /// Closes connections and stops the pool.
    public func shutdown() async {
        switch backend {
        case .sqlite(let connection, let gate):
            await gate.withLock {
                do { try await connection.close() } catch {
                    logger.warning("closing SQLite failed", metadata: ["error": "\(loggableDescription(of: error))"])
                }
            }
        case .postgres(_, let runner):
            runner.cancel()
            await runner.value
        }
    }
}

/// A connection (possibly inside a transaction) plus its dialect: what every store works on.
public struct SQLSession: Sendable {
    public let sql: any SQLDatabase
    public let dialect: DatabaseDialect
    let counter: StatementCounter

    public func execute(_ query: SQLQueryString) async throws {
        try await translatingErrors { try await sql.raw(query).run() }
    }

    public func rows(_ query: SQLQueryString) async throws -> [any SQLRow] {
        try await translatingErrors { try await sql.raw(query).all() }
    }

    public func first(_ query: SQLQueryString) async throws -> (any SQLRow)? {
        try await translatingErrors { try await sql.raw(query).first() }
    }

    /// Counts the statement and turns either engine's unique-constraint error into
    /// `DatabaseError.uniqueViolation`, so callers handle one error for both.
    private func translatingErrors<T>(_ statement: () async throws -> T) async throws -> T {
        counter.increment()
        do {
            return try await statement()
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            throw DatabaseError.uniqueViolation
        } catch let error as SQLiteError
            where error.reason == .constraintUniqueFailed || error.reason == .constraintPrimaryKeyFailed
            || (error.reason == .constraint && error.message.contains("UNIQUE"))
        {
            throw DatabaseError.uniqueViolation
        }
    }

    /// `FOR UPDATE` on PostgreSQL; nothing on SQLite, whose `BEGIN IMMEDIATE` already excludes writers.
    var forUpdate: String { dialect == .postgres ? " FOR UPDATE" : "" }
    /// `FOR UPDATE SKIP LOCKED` on PostgreSQL, so several workers share a queue.
    var forUpdateSkipLocked: String { dialect == .postgres ? " FOR UPDATE SKIP LOCKED" : "" }
}

final class StatementCounter: Sendable {
    private let count = NIOLockedValueBox(0)
    var value: Int { count.withLockedValue { $0 } }
    func increment() { count.withLockedValue { $0 += 1 } }
}

/// A first-in, first-out async mutex: serialises use of the single SQLite connection.
final class AsyncGate: Sendable {
    private let state = NIOLockedValueBox(State())

    private struct State {
        var locked = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    func withLock<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        await acquire()
        defer { release() }
        return try await body()
    }

    func withLock(_ body: () async -> Void) async {
        await acquire()
        defer { release() }
        await body()
    }

    private func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let acquired = state.withLockedValue { state -> Bool in
                if state.locked {
                    state.waiters.append(continuation)
                    return false
                }
                state.locked = true
                return true
            }
            if acquired { continuation.resume() }
        }
    }

    private func release() {
        let next = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
            if state.waiters.isEmpty {
                state.locked = false
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume()
    }
}

extension SQLRow {
    func uuid(_ column: String) throws -> UUID {
        let text = try decode(column: column, as: String.self)
        guard let id = UUID(uuidString: text) else { throw DatabaseError.unexpected("bad uuid in \(column)") }
        return id
    }
    func optionalUUID(_ column: String) throws -> UUID? {
        try decode(column: column, as: String?.self).flatMap(UUID.init(uuidString:))
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
