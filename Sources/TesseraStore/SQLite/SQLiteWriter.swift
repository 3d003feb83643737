import Logging
import NIOConcurrencyHelpers
import NIOPosix

/// The one connection that writes a SQLite database, lent to one task at a time, first come,
/// first served; write transactions that queue for it share a commit.
///
/// A commit writes every page its transaction changed to the WAL: an assign changes about 40
/// (the seat, its holder, their indexes, the history, the queued email), and the next assign
/// changes many of the same pages (where new rows and index entries go). So when a transaction
/// ends while others wait for the writer, it does not commit: it lends the connection, its
/// transaction still open, to the next one, which runs inside a savepoint of it. The last of
/// such a group commits for all of them, and each returns only once that commit has, so what
/// a caller was told is done is committed, as before. Alone, a transaction begins and commits as
/// it always did, with no wait. A group ends after `groupLimit` transactions, and ahead of any
/// waiter that is not a transaction (a plain lease, such as the WAL checkpoint's), which so
/// never sees another's uncommitted writes.
///
/// Within a group, each transaction sees what the ones before it wrote, as if they had
/// committed; nobody else sees any of it until the group commits. One that throws is rolled
/// back to its savepoint and the others go on. If the shared transaction itself is lost (its
/// `COMMIT` fails, or an error after which SQLite rolled all of it back, such as a full disk),
/// every member still waiting for the commit throws that error: none has answered its caller.
///
/// Another process may hold the database's write lock (the sqlite3 shell in a transaction). A
/// transaction then waits for it up to the busy timeout, on a thread of NIO's pool rather than
/// one of the few that run every request, and fails with `DatabaseError.busy`; so does every
/// transaction that queued behind it meanwhile, at once, rather than each waiting the busy
/// timeout in turn for a lock that was just found held.
final class SQLiteWriter: SQLiteConnectionLender {
    /// The most transactions sharing one commit: enough to write each shared page once for
    /// many transactions, few enough that the first does not wait long for the last.
    static let defaultGroupLimit = 16

    private let connection: InlineSQLiteConnection
    private let groupLimit: Int
    private let logger: Logger
    private let state = NIOLockedValueBox(State())

    private struct State {
        var isLent = false
        var waiters: [Waiter] = []
        var isClosed = false
    }

    private struct Waiter {
        /// A transaction, which may be lent the connection with a group's transaction open.
        let isTransaction: Bool
        let continuation: CheckedContinuation<Lease, Never>
    }

    private enum Lease {
        case closed
        /// The connection, with the group's transaction open when one is passed on.
        case lent(CommitGroup?)
        /// No connection: the transaction ahead found the database locked by another process.
        case refused(any Error)
    }

    init(_ connection: InlineSQLiteConnection, groupLimit: Int = defaultGroupLimit, logger: Logger) {
        self.connection = connection
        self.groupLimit = max(groupLimit, 1)
        self.logger = logger
    }

    /// How many wait for the connection: lets tests line transactions up behind one.
    var waiting: Int { state.withLockedValue { $0.waiters.count } }

    /// Lends the connection to `body`, outside any transaction, and takes it back when `body`
    /// returns or throws. `first` puts the caller ahead of those already waiting: for a short
    /// job that must not wait behind a queue of transactions (the WAL checkpoint's last step).
    func withConnection<T>(first: Bool, _ body: (InlineSQLiteConnection) async throws -> T) async throws -> T {
        // Only transactions are refused.
        guard case .lent = await acquire(isTransaction: false, first: first) else { throw Self.closedError }
        defer { release() }
        return try await body(connection)
    }

    /// Lends the connection in turn with everyone else waiting for it.
    func withConnection<T>(_ body: (InlineSQLiteConnection) async throws -> T) async throws -> T {
        try await withConnection(first: false, body)
    }

    /// Runs `body` in a write transaction, maybe shared with others (see the type's notes):
    /// what it wrote is committed when this returns, and undone when it throws.
    /// `counter` counts the transaction's own statements (`BEGIN`, savepoints, `COMMIT`).
    func transaction<T>(counter: StatementCounter, _ body: (InlineSQLiteConnection) async throws -> T) async throws -> T {
        let joined: CommitGroup?
        switch await acquire(isTransaction: true) {
        case .closed: throw Self.closedError
        case .refused(let error): throw error
        case .lent(let group): joined = group
        }
        func execute(_ sql: String) throws {
            counter.add(statements: 1)
            try connection.run(sql, binds: []) { _ in }
        }

        guard let group = joined else {
            // The first of a group: its transaction is its own until it passes it on.
            do {
                counter.add(statements: 1)
                try await beginImmediate()
            } catch {
                if case DatabaseError.busy = error { refuseWaitingTransactions(error) }
                release()
                throw error
            }
            let group = CommitGroup()
            let result: T
            do {
                result = try await body(connection)
            } catch {
                // Nobody else has joined yet: the whole transaction is this one's to undo.
                abandon(group, failing: error, execute)
                throw error
            }
            try await passOn(group, execute)
            return result
        }

        // Joined: its own work is a savepoint of the group's transaction.
        let result: T
        do {
            try execute("SAVEPOINT tessera_shared_commit")
            result = try await body(connection)
            try execute("RELEASE SAVEPOINT tessera_shared_commit")
        } catch let failure {
            do {
                try execute("ROLLBACK TO SAVEPOINT tessera_shared_commit")
                try execute("RELEASE SAVEPOINT tessera_shared_commit")
            } catch {
                // No savepoint left: SQLite rolled back the whole transaction, and with it
                // the work of every member before this one.
                abandon(group, failing: failure, execute)
                throw failure
            }
            // The others' work goes on without this one's; their commit is not its outcome.
            try? await passOn(group, execute, waitsForCommit: false)
            throw failure
        }
        try await passOn(group, execute)
        return result
    }

    /// `BEGIN IMMEDIATE`: at once, unless another process holds the write lock; then waiting
    /// for it up to the busy timeout on a thread of NIO's pool, since SQLite's wait sleeps the
    /// thread it runs on.
    private func beginImmediate() async throws {
        if try connection.runWithoutWaiting("BEGIN IMMEDIATE") { return }
        let connection = self.connection
        try await NIOThreadPool.singleton.runIfActive { try connection.run("BEGIN IMMEDIATE", binds: []) { _ in } }
    }

    /// Fails, with `error`, every transaction waiting for the connection (plain leases, such as
    /// the WAL checkpoint's, still get it): the one ahead of them found the lock held for the
    /// whole busy timeout, while they waited behind it.
    private func refuseWaitingTransactions(_ error: any Error) {
        let refused = state.withLockedValue { state in
            let refused = state.waiters.filter(\.isTransaction)
            state.waiters.removeAll { $0.isTransaction }
            return refused
        }
        for waiter in refused { waiter.continuation.resume(returning: .refused(error)) }
    }

    /// The end of one member: lends the connection, the transaction open, to the next waiting
    /// transaction while the group may grow, then waits for the group's commit; otherwise
    /// commits the group, tells its members, and lends the connection on. `waitsForCommit`
    /// false returns at once after passing the transaction on (a member that was rolled back).
    private func passOn(_ group: CommitGroup, _ execute: (String) throws -> Void, waitsForCommit: Bool = true) async throws {
        let next = state.withLockedValue { state -> Waiter? in
            guard group.join() < groupLimit, state.waiters.first?.isTransaction == true else { return nil }
            return state.waiters.removeFirst()
        }
        if let next {
            next.continuation.resume(returning: .lent(group))
            if waitsForCommit { try await group.committed() }
            return
        }
        do {
            try execute("COMMIT")
        } catch {
            abandon(group, failing: error, execute)
            throw error
        }
        group.end(.success(()))
        release()
    }

    /// Ends a lost group: what is left of its transaction rolled back (unless SQLite already
    /// rolled it back: a full disk, `INSERT OR ROLLBACK`), each member waiting for the commit
    /// told `error`, the connection lent on.
    private func abandon(_ group: CommitGroup, failing error: any Error, _ execute: (String) throws -> Void) {
        if connection.isInTransaction { rollBack(execute) }
        group.end(.failure(error))
        release()
    }

    private func rollBack(_ execute: (String) throws -> Void) {
        do {
            try execute("ROLLBACK")
        } catch {
            logger.error("rollback failed", metadata: ["error": "\(loggableDescription(of: error))"])
        }
    }

    /// Waits for the connection to come back, then closes it; later callers get an error.
    func close() async {
        guard case .lent = await acquire(isTransaction: false) else { return }
        let waiters = state.withLockedValue { state in
            state.isClosed = true
            defer { state.waiters = [] }
            return state.waiters
        }
        connection.close()
        for waiter in waiters { waiter.continuation.resume(returning: .closed) }
    }

    private static let closedError = DatabaseError.unexpected("the database is closed")

    private func acquire(isTransaction: Bool, first: Bool = false) async -> Lease {
        await withCheckedContinuation { (continuation: CheckedContinuation<Lease, Never>) in
            let lease = state.withLockedValue { state -> Lease? in
                if state.isClosed { return .closed }
                if !state.isLent {
                    state.isLent = true
                    return .lent(nil)
                }
                let waiter = Waiter(isTransaction: isTransaction, continuation: continuation)
                if first { state.waiters.insert(waiter, at: 0) } else { state.waiters.append(waiter) }
                return nil
            }
            if let lease { continuation.resume(returning: lease) }
        }
    }

    /// Takes the connection back, no transaction open, and lends it to the first waiter.
    private func release() {
        let next = state.withLockedValue { state -> Waiter? in
            if state.waiters.isEmpty {
                state.isLent = false
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.continuation.resume(returning: .lent(nil))
    }
}

/// The transaction a group of writes shares (`SQLiteWriter`): how many have joined it, and how it
/// ended, for the members waiting to learn.
private final class CommitGroup: Sendable {
    private struct State {
        var members = 0
        var waiting: [CheckedContinuation<Void, any Error>] = []
        var outcome: Result<Void, any Error>?
    }

    private let state = NIOLockedValueBox(State())

    /// Counts one more member, and says how many there are now.
    func join() -> Int {
        state.withLockedValue { state in
            state.members += 1
            return state.members
        }
    }

    /// Returns once the group has committed; throws if it was lost instead.
    func committed() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let outcome = state.withLockedValue { state -> Result<Void, any Error>? in
                if state.outcome == nil { state.waiting.append(continuation) }
                return state.outcome
            }
            if let outcome { continuation.resume(with: outcome) }
        }
    }

    func end(_ outcome: Result<Void, any Error>) {
        let waiting = state.withLockedValue { state in
            state.outcome = outcome
            defer { state.waiting = [] }
            return state.waiting
        }
        for member in waiting { member.resume(with: outcome) }
    }
}
