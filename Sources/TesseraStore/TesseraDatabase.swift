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
    /// `maximumConnections`: the PostgreSQL pool's size (SQLite has one connection).
    public static func open(_ location: DatabaseLocation, maximumConnections: Int = 20,
                            logger: Logger) async throws -> TesseraDatabase {
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
            configuration.options.maximumConnections = maximumConnections
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
                try await db.ping()
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

    /// Answers when the database does: the health check's question.
    public func ping() async throws {
        try await withConnection { try await $0.execute("SELECT 1") }
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
