import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PostgresKit
import PostgresNIO
import SQLKit
import ServiceLifecycle
import SQLiteKit
import Synchronization
import TesseraCore
import _ConnectionPoolModule

/// The one way into the database: connections and transactions over SQLite or PostgreSQL.
///
/// SQLite runs statements inline on its own connections (`InlineSQLiteConnection`): one writer,
/// lent to one task at a time (`SQLiteWriter`), whose transactions start with `BEGIN IMMEDIATE`
/// (what serialises seat assignment) and, when several wait, share a commit; and, for a
/// database file, a few read-only connections that in WAL mode read alongside it. PostgreSQL
/// uses postgres-nio's `PostgresClient` pool for both.
///
/// The database is a `Service`: its connections live while `run()` runs. `tessera serve` runs
/// it first in the application's service group (so it stops last); commands and tests that use
/// the database on its own call `TesseraDatabase.withDatabase`, which runs it around their work.
public final class TesseraDatabase: Service, Sendable {
    public let dialect: DatabaseDialect
    private let backend: Backend
    let logger: Logger
    /// Told about connection waits and transaction times (metrics); nil when nothing listens.
    private let observer: (any DatabaseObserver)?
    private let statements = StatementCounter()
    /// PostgreSQL: the statements run often enough to be prepared (see `PreparedStatementNames`);
    /// nil when the operator turned that off (a connection pooler that cannot keep them).
    private let statementNames: PreparedStatementNames?
    /// SQLite: when `run()` starts the WAL over and empties its file.
    private let walSchedule: WALSchedule
    /// Set once `run()` has begun: postgres-nio expects no lease before its pool runs.
    private let running = RunningSignal()
    /// A full disk (`DatabaseError.storageFull`): only an operator can end it, so it is logged as
    /// an error, the first time at once and then at most once a minute with the count, whichever
    /// request, page or worker met it; and once when a write commits again.
    private let storageFullLog: NIOLockedValueBox<RecurringFailureLog>
    /// Whether the last write that failed or committed found the disk full: one relaxed load per
    /// commit, so that `storageFullLog` is locked only while there is something to log.
    private let storageIsFull = Atomic<Bool>(false)

    /// How many SQL statements this database has run: lets tests prove that an operation's
    /// cost does not grow with the data (for example, listing a pool of 1,000 seats).
    public var statementCount: Int { statements.statements }
    /// How many times this database sent statements and waited for the answer: on PostgreSQL,
    /// held writes go several to a statement (`HeldWrites`); on SQLite it is `statementCount`.
    public var roundTripCount: Int { statements.roundTrips }

    private enum Backend: Sendable {
        /// `readers` is nil for an in-memory database, which a second connection cannot see
        /// (the writer reads too), and which has no WAL to checkpoint.
        case sqlite(writer: SQLiteWriter, readers: SQLiteConnectionPool?, checkpointer: InlineSQLiteConnection?)
        case postgres(PostgresClient)
    }

    private init(dialect: DatabaseDialect, backend: Backend, logger: Logger, observer: (any DatabaseObserver)?,
                 statementNames: PreparedStatementNames? = nil, walSchedule: WALSchedule = .standard) {
        self.walSchedule = walSchedule
        self.dialect = dialect
        self.backend = backend
        self.logger = logger
        self.observer = observer
        self.statementNames = statementNames
        storageFullLog = NIOLockedValueBox(RecurringFailureLog(
            logger: logger, level: .error, failed: "database storage full: writes are refused until space is freed",
            recovered: "database storage no longer full"))
    }

    /// Opens the database, run by the caller (see the type's notes); `withDatabase` does both.
    /// `connections`: how many connections the PostgreSQL pool keeps open (see
    /// `postgresPoolOptions`); SQLite has its own writer and readers. `fixedPool` false opens
    /// them on demand instead, closing each after a minute unused (postgres-nio's defaults): for
    /// tests, which run hundreds of small pools side by side against one server.
    /// `observer`: told how long connections and transactions take (metrics).
    /// `preparesStatements`: PostgreSQL prepares statements run again under a name on each
    /// connection (see `PreparedStatementNames`); false sends every statement unnamed, for a
    /// connection pooler that cannot keep prepared statements. SQLite always keeps its own.
    /// `walSchedule`: see `WALSchedule` (shorter in tests). `sqliteBusyTimeout`: how long a
    /// SQLite statement waits for a lock another process holds before failing with
    /// `DatabaseError.busy` (shorter in tests). `postgresWait`: how long PostgreSQL may take to
    /// accept a first connection (`PostgresStartupCheck`) before this throws
    /// `DatabaseError.cannotOpen`; a refused user, password or database throws at once. Nil makes
    /// no first connection: for a server this process reached a moment ago (`serve` migrates
    /// first), which would only pay for it again (about 4 ms).
    public static func open(_ location: DatabaseLocation, connections: Int = defaultConnections, fixedPool: Bool = true,
                            logger: Logger, observer: (any DatabaseObserver)? = nil,
                            preparesStatements: Bool = true,
                            walSchedule: WALSchedule = .standard,
                            sqliteBusyTimeout: Duration = defaultSQLiteBusyTimeout,
                            postgresWait: Duration? = defaultPostgresWait) async throws -> TesseraDatabase {
        switch location {
        case .sqliteFile, .sqliteMemory:
            var path = ":memory:"
            if case .sqliteFile(let file) = location { path = file }
            let writer: InlineSQLiteConnection
            do {
                writer = try InlineSQLiteConnection(path: path, readOnly: false, busyTimeout: sqliteBusyTimeout)
                // WAL lets the read connections (and backups, the sqlite3 shell) read alongside the
                // writer. The first statement to read the file: where a file that is not a database shows.
                if case .sqliteFile = location { try writer.run("PRAGMA journal_mode = WAL", binds: []) { _ in } }
            } catch let failure as SQLiteFailure {
                throw DatabaseError.cannotOpen(failure.openingDescription(path: path))
            }
            // `run()` checkpoints in the background; the writer does so itself only if the WAL
            // reaches 10,000 pages (40 MB), as when the database is used without `run()`.
            for pragma in ["PRAGMA foreign_keys = ON", "PRAGMA synchronous = NORMAL", "PRAGMA wal_autocheckpoint = 10000"] {
                try writer.run(pragma, binds: []) { _ in }
            }
            let writers = SQLiteWriter(writer, logger: logger)
            guard case .sqliteFile = location else {
                return TesseraDatabase(dialect: .sqlite, backend: .sqlite(writer: writers, readers: nil, checkpointer: nil),
                                       logger: logger, observer: observer)
            }
            let checkpointer = try InlineSQLiteConnection(path: path, readOnly: false, busyTimeout: sqliteBusyTimeout)
            // Statements run inline, so readers beyond the cores that run them would only wait.
            let readers = try (0..<max(2, ProcessInfo.processInfo.activeProcessorCount)).map { _ in
                try InlineSQLiteConnection(path: path, readOnly: true, busyTimeout: sqliteBusyTimeout)
            }
            return TesseraDatabase(
                dialect: .sqlite,
                backend: .sqlite(writer: writers, readers: SQLiteConnectionPool(readers), checkpointer: checkpointer),
                logger: logger, observer: observer, walSchedule: walSchedule)

        case .postgres(let host, let port, let username, let password, let database):
            if let postgresWait {
                try await PostgresStartupCheck.waitForServer(
                    PostgresConnection.Configuration(host: host, port: port, username: username, password: password,
                                                     database: database, tls: .disable),
                    address: "\(host):\(port)/\(database) as \(username)", within: postgresWait, logger: logger)
            }
            var configuration = PostgresClient.Configuration(
                host: host, port: port, username: username, password: password, database: database, tls: .disable)
            configuration.options = postgresPoolOptions(connections: connections, fixed: fixedPool)
            let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
            return TesseraDatabase(dialect: .postgres, backend: .postgres(client), logger: logger, observer: observer,
                                   statementNames: preparesStatements ? PreparedStatementNames() : nil)
        }
    }

    /// How long a SQLite statement waits for a lock another process holds unless told otherwise.
    public static let defaultSQLiteBusyTimeout = Duration.seconds(5)

    /// How long opening a PostgreSQL database waits for the server to accept a connection unless
    /// told otherwise (`tessera serve --database-wait`): long enough for a server starting beside it.
    public static let defaultPostgresWait = Duration.seconds(30)

    /// The PostgreSQL pool's size unless told otherwise (`tessera serve --database-connections`).
    public static let defaultConnections = 20

    /// A pool of exactly `connections` connections, all kept open, with no keep-alive queries.
    ///
    /// postgres-nio's pool arms timers each time a connection goes back to it: a keep-alive
    /// (30 s) and, for a connection above the pool's minimum, an idle time-out (60 s). The next
    /// lease cancels them, but on Linux a cancelled `Task.sleep` keeps its task and timer in
    /// memory until its deadline (swiftlang/swift#60441), so memory grew with the request rate:
    /// about 1.5 KB per assign, 19 MB after 8,000 assigns at one at a time, gone only a minute
    /// after the load. With every connection a minimum one and no keep-alive, no timer is armed
    /// (BENCHMARKS.md, "PostgreSQL pool timers"). A connection PostgreSQL closes is still noticed
    /// and replaced; to keep idle connections through a NAT or load balancer that drops quiet
    /// flows, set PostgreSQL's `tcp_keepalives_idle` (README, "PostgreSQL").
    public static func postgresPoolOptions(connections: Int, fixed: Bool = true) -> PostgresClient.Configuration.Options {
        var options = PostgresClient.Configuration.Options()
        options.maximumConnections = connections
        if fixed {
            options.minimumConnections = connections
            options.keepAliveBehavior = nil
        }
        return options
    }

    /// Runs `body` on one connection that may write, outside any transaction (inside the
    /// request's transaction, when one is open: see `withRequestTransaction`).
    public func withConnection<T: Sendable>(_ body: (SQLSession) async throws -> T) async throws -> T {
        if let open = Self.requestTransaction { return try await body(open) }
        switch backend {
        case .sqlite(let writer, _, _):
            return try await session(on: writer, access: .write, body)
        case .postgres(let client):
            return try await session(on: client, access: .write, body)
        }
    }

    /// Runs `body` for reading only: on SQLite a read-only connection, which reads alongside
    /// the writer's transactions instead of waiting for them. As on PostgreSQL, each statement
    /// sees what was committed when it began.
    public func read<T: Sendable>(_ body: (SQLSession) async throws -> T) async throws -> T {
        if let open = Self.requestTransaction { return try await body(open) }
        switch backend {
        case .sqlite(_, let readers, _):
            guard let readers else { return try await withConnection(body) }
            return try await session(on: readers, access: .read, body)
        case .postgres(let client):
            return try await session(on: client, access: .read, body)
        }
    }

    /// A session on a connection of the writer or the readers, its wait for the lease observed.
    private func session<T: Sendable>(on lender: some SQLiteConnectionLender, access: DatabaseAccess,
                                      _ body: (SQLSession) async throws -> T) async throws -> T {
        let asked = ContinuousClock.now
        do {
            return try await lender.withConnection { connection in
                observer?.connectionLeased(after: ContinuousClock.now - asked, for: access)
                return try await body(sqliteSession(on: connection))
            }
        } catch {
            throw noting(error)
        }
    }

    /// `error`, logged first if it is a full disk (`storageFullLog`).
    private func noting(_ error: any Error) -> any Error {
        if case DatabaseError.storageFull = error {
            storageIsFull.store(true, ordering: .relaxed)
            storageFullLog.withLockedValue { $0.failure(error) }
        }
        return error
    }

    /// A transaction committed: if the disk was full, it no longer is.
    private func noteCommitted() {
        guard storageIsFull.load(ordering: .relaxed), storageIsFull.exchange(false, ordering: .relaxed) else { return }
        storageFullLog.withLockedValue { $0.success() }
    }

    private func sqliteSession(on connection: InlineSQLiteConnection) -> SQLSession {
        SQLSession(sql: InlineSQLiteDatabase(connection: connection, logger: logger), dialect: .sqlite,
                   counter: statements, postgres: nil, statementNames: nil)
    }

    private func session<T: Sendable>(on client: PostgresClient, access: DatabaseAccess,
                                      _ body: (SQLSession) async throws -> T) async throws -> T {
        let asked = ContinuousClock.now
        await running.wait()
        do {
            return try await client.withConnection { connection in
                observer?.connectionLeased(after: ContinuousClock.now - asked, for: access)
                return try await body(SQLSession(sql: connection.sql(queryLogLevel: nil), dialect: .postgres,
                                                 counter: statements, postgres: connection,
                                                 statementNames: statementNames))
            }
        } catch let error where Self.isLostConnection(error) {
            // Here rather than per statement: a lease can fail so too, before any statement.
            logger.warning("database connection lost", metadata: ["error": "\(loggableDescription(of: error))"])
            throw DatabaseError.unavailable
        } catch {
            throw noting(error)
        }
    }

    /// Whether `error` says PostgreSQL could not be reached or closed the connection (below), or
    /// is a session's own finding that it had (`SQLSession`), or is the pool's giving up on
    /// connecting: once no connection could be made for a minute (postgres-nio's circuit
    /// breaker, not configurable through `PostgresClient`), it fails every lease at once until
    /// one can.
    static func isLostConnection(_ error: any Error) -> Bool {
        switch error {
        case DatabaseError.unavailable: true
        case let error as PSQLError: isLostConnection(error.code, sqlState: error.serverInfo?[.sqlState])
        case let error as _ConnectionPoolModule.ConnectionPoolError: error == .connectionCreationCircuitBreakerTripped
        default: false
        }
    }

    /// Whether PostgreSQL could not be reached or closed the connection: the connection failed or
    /// was closed (by either end, or the pool shutting down), or the server said it is shutting
    /// down or not accepting connections (SQLSTATE class 08, `57P01`–`57P03`, `53300`).
    static func isLostConnection(_ code: PSQLError.Code, sqlState: String?) -> Bool {
        switch code {
        case .connectionError, .serverClosedConnection, .uncleanShutdown, .clientClosedConnection, .poolClosed:
            return true
        case .server:
            let state = sqlState ?? ""
            return state.hasPrefix("08") || ["57P01", "57P02", "57P03", "53300"].contains(state)
        default:
            return false
        }
    }

    /// Answers when the database does: the health check's question.
    public func ping() async throws {
        try await read { try await $0.execute("SELECT 1") }
    }

    /// The transaction a whole request runs in, when it has one: every `transaction`, `read`
    /// and `withConnection` of that request's task joins it rather than opening its own.
    @TaskLocal static var requestTransaction: SQLSession?

    /// Runs `body`, and every use of this database by its task, in one transaction: what the
    /// idempotency keys need to store an answer with the change it answers. A `transaction`
    /// inside it becomes a savepoint, so a use case that throws still undoes only its own work.
    public func withRequestTransaction<T: Sendable>(_ body: (SQLSession) async throws -> T) async throws -> T {
        try await transaction { session in
            try await Self.$requestTransaction.withValue(session) { try await body(session) }
        }
    }

    /// Runs `body` in one transaction, committed when it returns and rolled back when it throws.
    /// Inside a request's transaction it is a savepoint of that transaction.
    /// On SQLite, transactions that wait for the writer share a commit (`SQLiteWriter`).
    public func transaction<T: Sendable>(_ body: (SQLSession) async throws -> T) async throws -> T {
        if let open = Self.requestTransaction { return try await open.savepoint { try await body(open) } }
        if case .sqlite(let writer, _, _) = backend {
            let asked = ContinuousClock.now
            var began = asked  // from the lease to the commit it waited for, as on PostgreSQL
            var committed = false
            defer { observer?.transactionEnded(after: ContinuousClock.now - began, committed: committed) }
            let result: T
            do {
                result = try await writer.transaction(counter: statements) { connection in
                    began = ContinuousClock.now
                    observer?.connectionLeased(after: began - asked, for: .write)
                    return try await body(sqliteSession(on: connection))
                }
            } catch {
                throw noting(error)
            }
            committed = true
            noteCommitted()
            return result
        }
        // PostgreSQL.
        return try await withConnection { connection in
            let session = connection.holdingWrites()
            // Timed from before `BEGIN` to the end of `COMMIT` or `ROLLBACK`: how long the
            // transaction held its connection.
            let began = ContinuousClock.now
            try await session.execute("BEGIN")
            var committed = false
            defer { self.observer?.transactionEnded(after: ContinuousClock.now - began, committed: committed) }
            let result: T
            do {
                result = try await body(session)
                try await session.sendHeldWrites()
            } catch {
                session.dropHeldWrites()
                // A lost connection took the transaction with it: nothing to roll back, nor to log twice.
                guard !Self.isLostConnection(error) else { throw error }
                do {
                    try await session.execute("ROLLBACK")
                } catch let rollbackError {
                    self.logger.error("rollback failed", metadata: ["error": "\(loggableDescription(of: rollbackError))"])
                }
                throw error
            }
            try await session.execute("COMMIT")
            committed = true
            noteCommitted()
            return result
        }
    }

    /// Runs the database until the service group shuts down: the PostgreSQL pool makes and
    /// keeps its connections meanwhile; SQLite's WAL is checkpointed in the background and its
    /// connections are closed at the end, so the database must be the first service of its
    /// group, which stops last.
    public func run() async throws {
        switch backend {
        case .sqlite(let writer, _, let checkpointer):
            if let checkpointer { await checkpointWAL(checkpointer, writer: writer) } else { try? await gracefulShutdown() }
            await closeSQLite()
        case .postgres(let client):
            // The pool itself stops on graceful shutdown.
            await runPool(client)
        }
    }

    /// Copies the WAL into the database file in the background, on a connection and a thread of
    /// its own, until graceful shutdown, so that the writer does not have to.
    ///
    /// Left to SQLite, the copy runs inside whichever commit finds the WAL past
    /// `wal_autocheckpoint` frames, holding the one writer while it syncs the WAL, copies the
    /// pages and syncs the database file: under a burst of assigns (about 46 frames each) that
    /// was a 25–100 ms commit five times a second, a third of the writer's time. A `PASSIVE`
    /// checkpoint copies alongside the writer, but SQLite starts the WAL over from its beginning
    /// only when a write begins with every frame copied, which under steady writes never
    /// happens by itself. So each round copies alongside the writer, and once the WAL is long
    /// (`walSchedule.restartFrames`) copies what was committed meanwhile holding the writer,
    /// ahead of the transactions waiting for it (5–20 ms, about once a second at the heaviest
    /// load), so that the next write starts the WAL over. While the rounds run, the writer's
    /// own checkpoint is only a backstop. Rounds follow each other closely while there are
    /// writes; when idle, five times a second. Once writes have paused for
    /// `walSchedule.emptyAfter`, a round empties the WAL file. A round that keeps failing is
    /// logged at most once a minute (`RecurringFailureLog`).
    private func checkpointWAL(_ checkpointer: InlineSQLiteConnection, writer: SQLiteWriter) async {
        do {
            try await writer.withConnection { connection in
                try connection.run("PRAGMA wal_autocheckpoint = \(walSchedule.restartFrames * 2)", binds: []) { _ in }
            }
        } catch {
            logger.warning("WAL checkpoint threshold not set", metadata: ["error": "\(loggableDescription(of: error))"])
        }
        await cancelWhenGracefulShutdown {
            let schedule = self.walSchedule
            var lastFrames = 0
            var lastWrite = ContinuousClock.now  // when a round last found frames written since the one before
            var wrote = false
            var failures = RecurringFailureLog(logger: self.logger, level: .warning, failed: "WAL checkpoint failed",
                                               recovered: "WAL checkpoint working again")
            while !Task.isCancelled {
                do {
                    try await Task.sleep(for: .milliseconds(wrote ? 20 : 200))
                    let copied = try await NIOThreadPool.singleton.runIfActive { try checkpointer.checkpointPassively() }
                    failures.success()
                    wrote = copied.frames != lastFrames
                    lastFrames = copied.frames
                    if wrote { lastWrite = .now }
                    if ContinuousClock.now - lastWrite >= schedule.emptyAfter, copied.frames > 0, copied.uncopied == 0 {
                        if try await NIOThreadPool.singleton.runIfActive({ try checkpointer.truncateWALIfUnused() }) {
                            lastFrames = 0
                        }
                        continue
                    }
                    // What a reader's snapshot keeps from being copied would only be waited for.
                    guard copied.frames >= schedule.restartFrames, copied.uncopied <= schedule.restartFrames / 10 else { continue }
                    _ = try await writer.withConnection(first: true) { _ in
                        try await NIOThreadPool.singleton.runIfActive { try checkpointer.checkpointPassively() }
                    }
                } catch is CancellationError {
                    return
                } catch {
                    failures.failure(error)
                }
            }
        }
    }

    /// Runs the PostgreSQL pool (which stops on graceful shutdown by itself), and lets
    /// connections be leased from the moment it starts. postgres-nio warns about a lease made
    /// before its `run()` has begun and offers no way to learn when it has; on a busy machine
    /// the thread can be preempted between the signal and the call, so that warning can still
    /// show once at start. It is harmless: the lease waits for the pool.
    private func runPool(_ client: PostgresClient) async {
        running.signal()
        await client.run()
    }

    /// Opens the database at `location`, runs it while `body` works, and stops it afterwards,
    /// whether `body` returns or throws: for commands and tests that use the database outside
    /// an application's service group. An unreachable server fails here, before `body`.
    public static func withDatabase<T: Sendable>(
        _ location: DatabaseLocation, connections: Int = defaultConnections, fixedPool: Bool = true, logger: Logger,
        observer: (any DatabaseObserver)? = nil, preparesStatements: Bool = true,
        sqliteBusyTimeout: Duration = defaultSQLiteBusyTimeout, postgresWait: Duration = defaultPostgresWait,
        _ body: (TesseraDatabase) async throws -> T
    ) async throws -> T {
        let database = try await open(location, connections: connections, fixedPool: fixedPool, logger: logger,
                                      observer: observer, preparesStatements: preparesStatements,
                                      sqliteBusyTimeout: sqliteBusyTimeout, postgresWait: postgresWait)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            if case .postgres(let client) = database.backend {
                group.addTask { await database.runPool(client) }
            }
            let result: Result<T, any Error>
            do {
                try await database.ping()
                result = .success(try await body(database))
            } catch {
                result = .failure(error)
            }
            // The pool stops on cancellation; SQLite closes once `body` is done with it.
            group.cancelAll()
            await database.closeSQLite()
            return try result.get()
        }
    }

    private func closeSQLite() async {
        guard case .sqlite(let writer, let readers, let checkpointer) = backend else { return }
        await writer.close()
        await readers?.close()
        checkpointer?.close()
    }
}
