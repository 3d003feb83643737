import Foundation
import Logging
import PostgresNIO
import Testing
import TesseraCore
import _ConnectionPoolModule
@testable import TesseraServer
@testable import TesseraStore

/// PostgreSQL restarting, or an administrator ending Tessera's sessions, closes connections under
/// running requests. Such a request is answered 503 with `Retry-After` (`DatabaseError.unavailable`),
/// never a 500; what it wrote is rolled back with its transaction, and the pool connects again.
@Suite struct LostConnectionTests {
    @Test func aConnectionPostgreSQLClosesMidTransactionIsUnavailableAndThePoolConnectsAgain() async throws {
        guard Backend.all.contains(.postgres) else { return }
        let logs = CollectedLogs()
        try await Backend.postgres.withFreshDatabase(logger: logs.logger) { database, location in
            try await database.withConnection { try await $0.execute("CREATE TABLE lost_probe (n INT)") }
            _ = try await Backend.withDatabase(location) { admin in
                await #expect(throws: DatabaseError.unavailable) {
                    try await database.transaction { tx in
                        try await tx.execute("INSERT INTO lost_probe (n) VALUES (1)")
                        let pid = try await tx.first("SELECT pg_backend_pid()::bigint AS pid")?.int("pid") ?? 0
                        try await admin.withConnection { session in
                            try await session.execute("SELECT pg_terminate_backend(\(bind: pid)::int)")
                            // Until the session is gone, so the next statement meets a closed connection.
                            for _ in 0..<1000 {
                                let left = try await session.first(
                                    "SELECT count(*)::bigint AS n FROM pg_stat_activity WHERE pid = \(bind: pid)")?.int("n")
                                if left == 0 { break }
                                try await Task.sleep(for: .milliseconds(5))
                            }
                        }
                        // Until this process has seen the connection close too (postgres-nio would
                        // otherwise take the statement and never answer it: `SQLSession.send`).
                        for _ in 0..<1000 where tx.postgres?.isClosed == false { try await Task.sleep(for: .milliseconds(5)) }
                        _ = try await tx.rows("SELECT n FROM lost_probe")
                    }
                }
            }
            let rows = try await database.read { try await $0.rows("SELECT n FROM lost_probe") }
            #expect(rows.isEmpty, "the transaction's insert was rolled back")
        }
        // The transaction went with the connection: no ROLLBACK is tried, so none fails.
        #expect(!logs.lines.contains { $0.message == "rollback failed" })
        #expect(logs.lines.contains { $0.level == .warning && $0.message == "database connection lost" },
                "\(logs.lines.filter { $0.level >= .warning }.map(\.message))")
    }

    /// The server ending, the network failing, or PostgreSQL refusing new sessions all count;
    /// a statement's own error does not.
    @Test func whichPostgreSQLErrorsMeanTheConnectionIsLost() {
        for code in [PSQLError.Code.connectionError, .serverClosedConnection, .uncleanShutdown, .poolClosed] {
            #expect(TesseraDatabase.isLostConnection(code, sqlState: nil), "\(code)")
        }
        for state in ["57P01", "57P03", "08006", "53300"] {
            #expect(TesseraDatabase.isLostConnection(.server, sqlState: state), "\(state)")
        }
        for state in ["23505", "40P01", "55P03", "42601", "57014"] {
            #expect(!TesseraDatabase.isLostConnection(.server, sqlState: state), "\(state)")
        }
        #expect(!TesseraDatabase.isLostConnection(.queryCancelled, sqlState: nil))
        // The pool giving up after a minute without a connection (its circuit breaker); not a
        // lease the caller cancelled.
        #expect(TesseraDatabase.isLostConnection(_ConnectionPoolModule.ConnectionPoolError.connectionCreationCircuitBreakerTripped))
        #expect(!TesseraDatabase.isLostConnection(_ConnectionPoolModule.ConnectionPoolError.requestCancelled))
    }

    /// The API answers 503 with `Retry-After`, as for a locked database; the pages say so.
    @Test func anUnavailableDatabaseIsAnswered503() {
        let answer = ErrorMiddleware.answer(for: DatabaseError.unavailable)
        #expect(answer?.0 == .serviceUnavailable)
        #expect(answer?.1["error"] == "ServiceUnavailable")
        let response = ErrorMiddleware.response(for: DatabaseError.unavailable)
        #expect(response?.headers[.retryAfter] == String(ErrorMiddleware.databaseRetryAfterSeconds))
        #expect(PageErrorMessage(DatabaseError.unavailable)?.status == .serviceUnavailable)
    }
}
