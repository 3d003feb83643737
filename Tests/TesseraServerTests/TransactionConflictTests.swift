import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import SQLKit
import Testing
import TesseraCore
@testable import TesseraServer
@testable import TesseraStore

/// PostgreSQL ends one of two deadlocked transactions (and, under stricter isolation, one of
/// two that cannot be serialised). That is a race between requests, not a server fault: the
/// loser is answered 409 Conflict, as a unique index's refusal is, and may retry.
@Suite struct TransactionConflictTests {
    /// Two transactions lock two rows in opposite orders: PostgreSQL ends one with `40P01`,
    /// which reaches callers as `DatabaseError.transactionConflict` and is logged as a warning
    /// with PostgreSQL's code; the other commits.
    @Test(arguments: Backend.all.filter { $0 == .postgres })
    func aDeadlockEndsOneTransactionWithATransactionConflict(backend: Backend) async throws {
        let logs = CollectedLogs()
        try await backend.withFreshDatabase(logger: logs.logger) { database, _ in
            try await database.withConnection { session in
                try await session.execute("CREATE TABLE deadlock_probe (id INT PRIMARY KEY, n INT NOT NULL)")
                try await session.execute("INSERT INTO deadlock_probe (id, n) VALUES (1, 0), (2, 0)")
            }
            // Each transaction says when it holds its first row, and waits for the other's.
            let (firstHeld, firstHolds) = AsyncStream.makeStream(of: Void.self)
            let (secondHeld, secondHolds) = AsyncStream.makeStream(of: Void.self)
            func lockBoth(_ first: Int, then second: Int, tell: AsyncStream<Void>.Continuation,
                          waitFor other: AsyncStream<Void>) async -> Result<Void, any Error> {
                do {
                    try await database.transaction { tx in
                        // A read, so it is sent at once (writes may be held until the next read).
                        _ = try await tx.rows("SELECT n FROM deadlock_probe WHERE id = \(bind: first) FOR UPDATE")
                        tell.yield()
                        for await _ in other { break }
                        _ = try await tx.rows("SELECT n FROM deadlock_probe WHERE id = \(bind: second) FOR UPDATE")
                        _ = try await tx.rows("UPDATE deadlock_probe SET n = n + 1 WHERE id IN (1, 2) RETURNING id")
                    }
                    return .success(())
                } catch {
                    return .failure(error)
                }
            }
            async let one = lockBoth(1, then: 2, tell: firstHolds, waitFor: secondHeld)
            async let two = lockBoth(2, then: 1, tell: secondHolds, waitFor: firstHeld)
            let results = await [one, two]
            let conflicts = results.filter {
                if case .failure(DatabaseError.transactionConflict) = $0 { true } else { false }
            }
            let commits = results.filter { if case .success = $0 { true } else { false } }
            #expect(conflicts.count == 1, "\(results)")
            #expect(commits.count == 1, "\(results)")
            // Only the winner's change is there.
            let counts = try await database.withConnection { session in
                try await session.rows("SELECT n FROM deadlock_probe ORDER BY id").map { try $0.decode(column: "n", as: Int.self) }
            }
            #expect(counts == [1, 1])
            let warnings = logs.lines.filter { $0.level == .warning && $0.message == "transaction conflict" }
            #expect(warnings.count == 1, "\(logs.lines.map(\.message))")
            #expect(warnings.first?.metadata["error"]?.contains("40P01") == true, "\(warnings)")
        }
    }

    /// The API answers a transaction conflict as a conflict to retry, with the documented body;
    /// the pages as "someone else changed this"; a bulk assignment as that row's own failure.
    @Test func aTransactionConflictIsAnsweredAsAConflict() async throws {
        let answer = try #require(ErrorMiddleware.answer(for: DatabaseError.transactionConflict))
        #expect(answer.0 == .conflict)
        #expect(answer.1 == ["error": "Conflict", "detail": "The request conflicts with a concurrent change. Retry it."])
        #expect(PageErrorMessage(DatabaseError.transactionConflict)?.status == .conflict)
        #expect(SeatOperations.isRowFailure(DatabaseError.transactionConflict))
        #expect(!SeatOperations.isRowFailure(DatabaseError.unexpected("a bug")))

        let router = Router(context: TesseraRequestContext.self)
        router.add(middleware: ErrorMiddleware())
        router.get("/deadlocked") { _, _ -> Response in throw DatabaseError.transactionConflict }
        let app = Application(router: router, logger: Logger(label: "tessera-test"))
        try await app.test(.router) { client in
            let response = try await client.execute(uri: "/deadlocked", method: .get)
            #expect(response.status == .conflict)
            #expect(JSONValue.parse(Data(String(buffer: response.body).utf8))?["error"] == "Conflict")
        }
    }
}
