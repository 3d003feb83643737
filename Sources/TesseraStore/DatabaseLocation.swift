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

/// `error` as a command line prints it: a PostgreSQL error as its SQLSTATE and message (its own
/// description is a fixed sentence that says neither); any other error as it is.
public func printableError(_ error: any Error) -> any Error {
    guard error is PSQLError else { return error }
    return DatabaseError.unexpected(loggableDescription(of: error))
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

public enum DatabaseError: Error, Equatable, CustomStringConvertible {
    case badURL(String)
    case unexpected(String)
    /// A unique index refused a write: a concurrent request made the same thing first.
    case uniqueViolation
    /// PostgreSQL ended a statement to let a concurrent transaction go on: a deadlock (`40P01`)
    /// or a serialization failure (`40001`). The transaction is lost; the request may be retried.
    case transactionConflict
    /// The database stayed locked by another process or transaction for longer than a
    /// statement may wait: SQLite's busy timeout ran out (the sqlite3 shell or another program
    /// holding a write transaction), or PostgreSQL's `lock_timeout` did (`55P03`). The statement
    /// did nothing; the request may be retried once the lock is let go.
    case busy
    /// PostgreSQL cancelled a statement that ran past the operator's `statement_timeout`, or that
    /// an administrator cancelled (`57014`). The transaction is lost; the request may be retried.
    case statementTimeout
    /// PostgreSQL could not be reached or closed the connection mid-request: restarting, shut
    /// down by an administrator, or the network between them failed. What the request wrote in
    /// a transaction was rolled back; it may be retried once the database is back.
    case unavailable
    /// The database has no room for a write: SQLite's disk (or its `max_page_count`) is full
    /// (`SQLITE_FULL`), or PostgreSQL's is (`53100`). The write did nothing; reads go on. Only an
    /// operator freeing space ends it, so it is logged as an error (`TesseraDatabase`).
    case storageFull
    /// The database could not be opened: PostgreSQL refused the first connection (a wrong user,
    /// password or database name) or did not answer in the time given to it, or a SQLite file
    /// could not be opened or is not a database. The message names the database and the cause.
    case cannotOpen(String)

    /// A request's change lost a race with another request's: a unique violation or a transaction
    /// conflict. Answered as a conflict that the caller may retry, never as a server error.
    public var isConcurrentChange: Bool {
        self == .uniqueViolation || self == .transactionConflict
    }

    public var description: String {
        switch self {
        case .badURL(let message): "Invalid database URL: \(message)"
        case .unexpected(let message): message
        case .uniqueViolation: "A unique constraint was violated"
        case .transactionConflict: "The transaction conflicted with a concurrent one (a deadlock or a serialization failure)"
        case .busy: "The database stayed locked by another process or transaction for longer than a statement may wait"
        case .unavailable: "The database could not be reached or closed the connection"
        case .statementTimeout: "The database cancelled a statement: it ran past statement_timeout, or was cancelled by an administrator"
        case .storageFull: "The database's storage is full: writes are refused until space is freed"
        case .cannotOpen(let message): message
        }
    }
}
