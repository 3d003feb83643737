import NIOConcurrencyHelpers

/// SQLite's read-only connections, each lent to one task at a time, first come, first served:
/// in WAL mode they read alongside the writer (`SQLiteWriter`).
final class SQLiteConnectionPool: SQLiteConnectionLender {
    private let state: NIOLockedValueBox<State>

    private struct State {
        var idle: [InlineSQLiteConnection]
        var size: Int
        var waiters: [CheckedContinuation<InlineSQLiteConnection?, Never>] = []
        var isClosed = false
    }

    init(_ connections: [InlineSQLiteConnection]) {
        state = NIOLockedValueBox(State(idle: connections, size: connections.count))
    }

    /// Lends a connection to `body` and takes it back when `body` returns or throws.
    func withConnection<T>(_ body: (InlineSQLiteConnection) async throws -> T) async throws -> T {
        guard let connection = await acquire() else { throw DatabaseError.unexpected("the database is closed") }
        defer { release(connection) }
        return try await body(connection)
    }

    /// Waits for every connection to come back, then closes them all; later callers get an error.
    func close() async {
        var closed: [InlineSQLiteConnection] = []
        let size = state.withLockedValue { $0.size }
        while closed.count < size, let connection = await acquire() {
            closed.append(connection)
        }
        let waiters = state.withLockedValue { state in
            state.isClosed = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for connection in closed { connection.close() }
        for waiter in waiters { waiter.resume(returning: nil) }
    }

    private func acquire() async -> InlineSQLiteConnection? {
        await withCheckedContinuation { (continuation: CheckedContinuation<InlineSQLiteConnection?, Never>) in
            let lent = state.withLockedValue { state -> InlineSQLiteConnection?? in
                if state.isClosed { return .some(nil) }
                if let connection = state.idle.popLast() { return .some(connection) }
                state.waiters.append(continuation)
                return nil
            }
            if let lent { continuation.resume(returning: lent) }
        }
    }

    private func release(_ connection: InlineSQLiteConnection) {
        let waiter = state.withLockedValue { state -> CheckedContinuation<InlineSQLiteConnection?, Never>? in
            if state.waiters.isEmpty {
                state.idle.append(connection)
                return nil
            }
            return state.waiters.removeFirst()
        }
        waiter?.resume(returning: connection)
    }
}

/// What lends a connection for a while: the read-only pool, and the writer outside its
/// transactions. `TesseraDatabase` makes its sessions on either the same way.
protocol SQLiteConnectionLender: Sendable {
    /// Lends a connection to `body` and takes it back when `body` returns or throws.
    func withConnection<T>(_ body: (InlineSQLiteConnection) async throws -> T) async throws -> T
}
