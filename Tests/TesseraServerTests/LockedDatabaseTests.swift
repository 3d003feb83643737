import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOConcurrencyHelpers
import Testing
import TesseraCore
@testable import TesseraServer
@testable import TesseraStore

/// Another process may keep the database locked: the sqlite3 shell left in a write transaction,
/// or on PostgreSQL a long transaction holding a lock. A request that waits for it past the
/// allowed wait (SQLite's busy timeout, PostgreSQL's `lock_timeout`) is answered 503 with
/// `Retry-After`, never a 500; reads go on meanwhile on SQLite; and once the lock is let go the
/// same request succeeds.
@Suite struct LockedDatabaseTests {
    @Test func aWriteWhileAnotherProcessHoldsSQLitesWriteLockIsAnsweredBusyAndSucceedsOnceLetGo() async throws {
        try await Backend.sqlite.withFreshDatabase { _, location in
            guard case .sqliteFile(let path) = location else { throw TestFailure("not a SQLite file") }
            try await Backend.withDatabase(location, sqliteBusyTimeout: .milliseconds(100)) { database in
                try await TestServer.run(database: database, backend: .sqlite) { server in
                    let org = try await server.makeOrganization()
                    let before = try await server.makeCustomer(org)

                    // As the sqlite3 shell would, after `BEGIN IMMEDIATE;`.
                    let shell = try InlineSQLiteConnection(path: path, readOnly: false)
                    defer { shell.close() }
                    try shell.run("BEGIN IMMEDIATE", binds: []) { _ in }

                    let refused = try await server.request(.post, "/v1/customers/", token: org.token,
                                                           json: ["email": "locked@example.com"])
                    #expect(refused.status == .serviceUnavailable, "\(refused.json)")
                    #expect(refused.errorName == "ServiceUnavailable")
                    #expect(refused.headers[.retryAfter] == String(ErrorMiddleware.databaseRetryAfterSeconds))
                    // Reads do not wait for the writer's lock.
                    let read = try await server.request(.get, "/v1/customers/\(before.id)", token: org.token)
                    #expect(read.status == .ok)

                    try shell.run("ROLLBACK", binds: []) { _ in }
                    let retried = try await server.request(.post, "/v1/customers/", token: org.token,
                                                           json: ["email": "locked@example.com"])
                    #expect(retried.status == .created, "\(retried.json)")
                }
            }
        }
    }

    /// On PostgreSQL the wait is the operator's to bound (here set on the database), and the lock
    /// a long transaction's: a lock waited for past `lock_timeout` (`55P03`), or a statement past
    /// `statement_timeout` (`57014`, 2 s so that no other statement of the test comes near it on
    /// a busy machine). Either is the same 503, and the request succeeds once the lock is let go.
    @Test(arguments: ["lock_timeout = '100ms'", "statement_timeout = '2s'"])
    func aWriteThatWaitsPastPostgreSQLsTimeoutIsAnswered503(setting: String) async throws {
        guard Backend.all.contains(.postgres) else { return }
        try await Backend.postgres.withFreshDatabase { holder, location in
            guard case .postgres(_, _, _, _, let name) = location else { throw TestFailure("not PostgreSQL") }
            try await holder.withConnection { try await $0.execute("ALTER DATABASE \(unsafeRaw: name) SET \(unsafeRaw: setting)") }
            // A second pool, whose connections begin after the setting and so take it.
            try await Backend.withDatabase(location) { database in
                try await TestServer.run(database: database, backend: .postgres) { server in
                    let org = try await server.makeOrganization()
                    try await holder.transaction { tx in
                        try await tx.execute("SET LOCAL statement_timeout = 0")
                        try await tx.execute("LOCK TABLE customers IN ACCESS EXCLUSIVE MODE")
                        let refused = try await server.request(.post, "/v1/customers/", token: org.token,
                                                               json: ["email": "locked@example.com"])
                        #expect(refused.status == .serviceUnavailable, "\(refused.json)")
                        #expect(refused.errorName == "ServiceUnavailable")
                        #expect(refused.headers[.retryAfter] == String(ErrorMiddleware.databaseRetryAfterSeconds))
                    }
                    let retried = try await server.request(.post, "/v1/customers/", token: org.token,
                                                           json: ["email": "locked@example.com"])
                    #expect(retried.status == .created, "\(retried.json)")
                }
            }
        }
    }

    /// The pages say so in words, with the same status; a bulk assignment fails whole rather
    /// than row by row, since every row would wait for the same lock.
    @Test func aBusyDatabaseIsAnswered503OnThePagesAndFailsABulkAssignmentWhole() {
        let page = PageErrorMessage(DatabaseError.busy)
        #expect(page?.status == .serviceUnavailable)
        #expect(page?.heading == "Busy")
        #expect(!SeatOperations.isRowFailure(DatabaseError.busy))
        #expect(PageErrorMessage(DatabaseError.statementTimeout)?.status == .serviceUnavailable)
        #expect(!SeatOperations.isRowFailure(DatabaseError.statementTimeout))
    }

    /// SQLite's own error for a lock held past the busy timeout is the one `DatabaseError`, as
    /// PostgreSQL's is: callers handle one error for both.
    @Test func sqliteReportsALockHeldPastTheBusyTimeoutAsBusy() async throws {
        try await Backend.sqlite.withFreshDatabase { _, location in
            guard case .sqliteFile(let path) = location else { throw TestFailure("not a SQLite file") }
            let shell = try InlineSQLiteConnection(path: path, readOnly: false)
            defer { shell.close() }
            try shell.run("BEGIN IMMEDIATE", binds: []) { _ in }
            let other = try InlineSQLiteConnection(path: path, readOnly: false, busyTimeout: .milliseconds(50))
            defer { other.close() }
            #expect(throws: DatabaseError.busy) { try other.run("BEGIN IMMEDIATE", binds: []) { _ in } }
            #expect(try !other.runWithoutWaiting("BEGIN IMMEDIATE"))
            try shell.run("ROLLBACK", binds: []) { _ in }
            #expect(try other.runWithoutWaiting("BEGIN IMMEDIATE"))
            try other.run("ROLLBACK", binds: []) { _ in }
        }
    }
}
