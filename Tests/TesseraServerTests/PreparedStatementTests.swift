import Foundation
import Testing
@testable import TesseraStore

/// PostgreSQL: a statement run again is prepared under a name (parsed and planned once per
/// connection), and a name never stays broken: not by a table changed under it, not by a
/// preparation inside an aborted transaction, not by a NULL where a number was.
@Suite(.enabled(if: Backend.all.contains(.postgres))) struct PreparedStatementTests {
    /// Runs `body` on one connection of a fresh PostgreSQL database with a `sample` table.
    private func withSample(_ columns: String = "id TEXT PRIMARY KEY, n BIGINT",
                            _ body: @escaping @Sendable (SQLSession) async throws -> Void) async throws {
        try await Backend.postgres.withFreshDatabase { database, _ in
            try await database.withConnection { session in
                try await session.execute("CREATE TABLE sample (\(unsafeRaw: columns))")
                try await body(session)
            }
        }
    }

    private func preparedTexts(_ session: SQLSession) async throws -> [String] {
        try await session.rows("SELECT statement FROM pg_prepared_statements").map {
            try $0.decode(column: "statement", as: String.self)
        }
    }

    @Test func aStatementRunAgainIsPreparedAndOneRunOnceIsNot() async throws {
        try await withSample { session in
            try await session.execute("INSERT INTO sample VALUES ('a', 1), ('b', 2), ('c', 3)")
            var answers: [Int64] = []
            for id in ["a", "b", "c"] {
                let row = try #require(try await session.first("SELECT n FROM sample WHERE id = \(bind: id)"))
                answers.append(try row.decode(column: "n", as: Int64.self))
            }
            #expect(answers == [1, 2, 3])
            _ = try await session.first("SELECT n + 1 AS m FROM sample WHERE id = \(bind: "a")")

            let prepared = try await preparedTexts(session)
            #expect(prepared.contains("SELECT n FROM sample WHERE id = $1"))
            #expect(!prepared.contains("SELECT n + 1 AS m FROM sample WHERE id = $1"))
            // Statements without parameters are never named.
            #expect(!prepared.contains { $0.hasPrefix("INSERT INTO sample VALUES ('a'") })
        }
    }

    /// `tessera serve --prepared-statements off` (for a connection pooler that cannot keep
    /// prepared statements): nothing is prepared, however often a statement runs.
    @Test func withPreparationOffNothingIsPrepared() async throws {
        try await Backend.postgres.withFreshDatabase(preparesStatements: false) { database, _ in
            try await database.withConnection { session in
                try await session.execute("CREATE TABLE sample (id TEXT PRIMARY KEY, n BIGINT)")
                try await session.execute("INSERT INTO sample VALUES ('a', 1)")
                for _ in 0..<3 {
                    let row = try #require(try await session.first("SELECT n FROM sample WHERE id = \(bind: "a")"))
                    #expect(try row.decode(column: "n", as: Int64.self) == 1)
                }
                #expect(try await preparedTexts(session).isEmpty)
            }
        }
    }

    /// Another process may add a column under a prepared `SELECT *`: PostgreSQL then refuses
    /// the old plan ("cached plan must not change result type"). That run fails; the next one
    /// runs under a new name and sees the column.
    @Test func aStatementWorksAgainAfterItsTableChangedUnderIt() async throws {
        try await withSample { session in
            try await session.execute("INSERT INTO sample VALUES ('a', 1)")
            for _ in 0..<2 { _ = try await session.first("SELECT * FROM sample WHERE id = \(bind: "a")") }
            try await session.execute("ALTER TABLE sample ADD COLUMN extra TEXT NOT NULL DEFAULT 'added'")

            _ = try? await session.first("SELECT * FROM sample WHERE id = \(bind: "a")")
            let row = try #require(try await session.first("SELECT * FROM sample WHERE id = \(bind: "a")"))
            #expect(try row.decode(column: "extra", as: String.self) == "added")
        }
    }

    /// A statement named for the first time inside a transaction that an error aborted fails to
    /// prepare, and postgres-nio keeps that failure for the name on its connection. The name is
    /// retired, so the statement works once the transaction has rolled back.
    @Test func aStatementFirstNamedInAnAbortedTransactionWorksAfterwards() async throws {
        try await withSample { session in
            try await session.execute("INSERT INTO sample VALUES ('a', 1)")
            _ = try await session.first("SELECT n FROM sample WHERE id = \(bind: "a")")

            try await session.execute("BEGIN")
            await #expect(throws: DatabaseError.uniqueViolation) {
                try await session.execute("INSERT INTO sample VALUES (\(bind: "a"), 2)")
            }
            await #expect(throws: (any Error).self) {
                _ = try await session.first("SELECT n FROM sample WHERE id = \(bind: "a")")
            }
            try await session.execute("ROLLBACK")

            let row = try #require(try await session.first("SELECT n FROM sample WHERE id = \(bind: "a")"))
            #expect(try row.decode(column: "n", as: Int64.self) == 1)
        }
    }

    /// A unique violation is routine (and comes from running, never from preparing): the
    /// statement keeps its name rather than being prepared again on every connection.
    @Test func aUniqueViolationKeepsTheStatementsName() async throws {
        try await withSample { session in
            for id in ["a", "b"] { try await session.execute("INSERT INTO sample (id, n) VALUES (\(bind: id), 1)") }
            await #expect(throws: DatabaseError.uniqueViolation) {
                try await session.execute("INSERT INTO sample (id, n) VALUES (\(bind: "a"), 1)")
            }
            try await session.execute("INSERT INTO sample (id, n) VALUES (\(bind: "c"), 1)")
            let names = try await preparedTexts(session).filter { $0 == "INSERT INTO sample (id, n) VALUES ($1, 1)" }
            #expect(names.count == 1)
        }
    }

    /// A prepared parameter keeps the type it was prepared with: a NULL lets PostgreSQL pick
    /// the column's (here `integer`), and a later 8-byte number would not fit it. So the same
    /// text with a NULL and with a number are two statements.
    @Test func aNullAndANumberInTheSamePlaceAreDifferentStatements() async throws {
        try await withSample("id TEXT PRIMARY KEY, n INTEGER") { session in
            for id in ["a", "b"] {
                try await session.execute("INSERT INTO sample (id, n) VALUES (\(bind: id), \(bind: Int?.none))")
            }
            for (id, n) in [("c", 3), ("d", 4)] {
                try await session.execute("INSERT INTO sample (id, n) VALUES (\(bind: id), \(bind: n))")
            }
            let rows = try await session.rows("SELECT n FROM sample ORDER BY id")
            #expect(try rows.map { try $0.decode(column: "n", as: Int64?.self) } == [nil, nil, 3, 4])
        }
    }
}
