import Foundation
import SQLKit
import Testing
@testable import TesseraStore

/// On PostgreSQL a transaction holds its writes back and sends those after its last read as one
/// statement (`HeldWrites`): every read still sees every earlier write, a second write to a
/// table never shares a statement with the first, and a held write that fails fails its
/// transaction, or only its savepoint. SQLite runs each statement as it comes; the outcomes
/// checked here are the same on both.
@Suite struct HeldWritesTests {
    /// Runs `body` on a fresh database with two tables, `sample` and `note` (whose rows name a
    /// sample), plus a committed note "taken" whose id a test may reuse to make an insert fail.
    private func withTables(_ backend: Backend, _ body: @escaping @Sendable (TesseraDatabase) async throws -> Void)
        async throws
    {
        try await backend.withFreshDatabase { database, _ in
            try await database.withConnection { session in
                try await session.execute("CREATE TABLE sample (id TEXT PRIMARY KEY, n BIGINT NOT NULL)")
                try await session.execute("CREATE TABLE note (id TEXT PRIMARY KEY, sample_id TEXT REFERENCES sample(id))")
                try await session.execute("INSERT INTO note (id, sample_id) VALUES (\(bind: "taken"), NULL)")
            }
            try await body(database)
        }
    }

    private func samples(_ database: TesseraDatabase) async throws -> [String: Int64] {
        try await database.read { session in
            var found: [String: Int64] = [:]
            for row in try await session.rows("SELECT id, n FROM sample") {
                found[try row.decode(column: "id", as: String.self)] = try row.decode(column: "n", as: Int64.self)
            }
            return found
        }
    }

    @Test func onlyAPlainWriteToOneTableIsHeld() {
        #expect(HeldWrites.table(ofHoldable: "INSERT INTO seats (id) VALUES ($1)") == "seats")
        #expect(HeldWrites.table(ofHoldable: "INSERT INTO seat_events(id) VALUES ($1)") == "seat_events")
        #expect(HeldWrites.table(ofHoldable: "\n  UPDATE subscriptions SET active_seats = active_seats + $1") == "subscriptions")
        #expect(HeldWrites.table(ofHoldable: "DELETE FROM idempotency_keys WHERE created_at < $1") == "idempotency_keys")
        // What answers rows, or reads another table, must run where it stands.
        #expect(HeldWrites.table(ofHoldable: "UPDATE benefit_grants SET revoked_at = $1 RETURNING *") == nil)
        #expect(HeldWrites.table(ofHoldable: "UPDATE grants SET n = 1 WHERE id IN (SELECT id FROM seats)") == nil)
        #expect(HeldWrites.table(ofHoldable: "INSERT INTO copy SELECT * FROM seats") == nil)
        #expect(HeldWrites.table(ofHoldable: "UPDATE seats SET n = p.n FROM seat_pools p WHERE p.id = seats.pool") == nil)
        #expect(HeldWrites.table(ofHoldable: "DELETE FROM seats USING seat_pools p WHERE p.id = seats.pool") == nil)
        // Keywords after a line break or a parenthesis, in any case.
        #expect(HeldWrites.table(ofHoldable: "UPDATE seats SET n = 1\nFROM seat_pools p WHERE p.id = seats.pool") == nil)
        #expect(HeldWrites.table(ofHoldable: "INSERT INTO copy (id) (select id from seats)") == nil)
        #expect(HeldWrites.table(ofHoldable: "UPDATE seats\nSET n = 1") == "seats")
        for statement in ["SELECT 1", "BEGIN", "COMMIT", "SAVEPOINT tessera_step", "SELECT pg_advisory_xact_lock(1)"] {
            #expect(HeldWrites.table(ofHoldable: statement) == nil)
        }
    }

    @Test(arguments: Backend.all)
    func writesToDifferentTablesGoTogetherAndTheNextReadSeesThem(backend: Backend) async throws {
        try await withTables(backend) { database in
            let (statements, roundTrips) = try await database.transaction { tx in
                let before = (database.statementCount, database.roundTripCount)
                try await tx.execute("INSERT INTO sample (id, n) VALUES (\(bind: "a"), \(bind: 1))")
                // Names the sample inserted in the same statement: keys are checked at its end.
                try await tx.execute("INSERT INTO note (id, sample_id) VALUES (\(bind: "x"), \(bind: "a"))")
                let row = try #require(try await tx.first("""
                    SELECT (SELECT COUNT(*) FROM sample) AS samples, (SELECT COUNT(*) FROM note) AS notes
                    """))
                #expect(try row.decode(column: "samples", as: Int64.self) == 1)
                #expect(try row.decode(column: "notes", as: Int64.self) == 2)
                return (database.statementCount - before.0, database.roundTripCount - before.1)
            }
            #expect(statements == 3)
            #expect(roundTrips == (backend == .postgres ? 2 : 3))
            #expect(try await samples(database) == ["a": 1])
        }
    }

    /// The parts of one PostgreSQL statement cannot see each other's rows: an update held with
    /// the insert of its row would find nothing to update.
    @Test(arguments: Backend.all)
    func aSecondWriteToATableSeesTheFirst(backend: Backend) async throws {
        try await withTables(backend) { database in
            try await database.transaction { tx in
                try await tx.execute("INSERT INTO sample (id, n) VALUES (\(bind: "a"), \(bind: 1))")
                try await tx.execute("UPDATE sample SET n = n + 1 WHERE id = \(bind: "a")")
                try await tx.execute("UPDATE sample SET n = n * 10 WHERE id = \(bind: "a")")
            }
            #expect(try await samples(database) == ["a": 20])
        }
    }

    @Test(arguments: Backend.all)
    func aHeldWriteThatFailsRollsBackItsTransaction(backend: Backend) async throws {
        try await withTables(backend) { database in
            await #expect(throws: DatabaseError.uniqueViolation) {
                try await database.transaction { tx in
                    try await tx.execute("INSERT INTO sample (id, n) VALUES (\(bind: "a"), \(bind: 1))")
                    try await tx.execute("INSERT INTO note (id, sample_id) VALUES (\(bind: "taken"), \(bind: "a"))")
                }
            }
            #expect(try await samples(database).isEmpty)
            // The connection was left usable.
            try await database.transaction { tx in
                try await tx.execute("INSERT INTO sample (id, n) VALUES (\(bind: "b"), \(bind: 2))")
            }
            #expect(try await samples(database) == ["b": 2])
        }
    }

    /// As a bulk assignment's failing row: the step's writes are undone, the transaction goes on.
    @Test(arguments: Backend.all)
    func aHeldWriteThatFailsInASavepointUndoesOnlyThatStep(backend: Backend) async throws {
        try await withTables(backend) { database in
            try await database.transaction { tx in
                try await tx.execute("INSERT INTO sample (id, n) VALUES (\(bind: "a"), \(bind: 1))")
                await #expect(throws: DatabaseError.uniqueViolation) {
                    try await tx.savepoint {
                        try await tx.execute("UPDATE sample SET n = 5 WHERE id = \(bind: "a")")
                        try await tx.execute("INSERT INTO note (id, sample_id) VALUES (\(bind: "taken"), \(bind: "a"))")
                    }
                }
                try await tx.execute("INSERT INTO sample (id, n) VALUES (\(bind: "b"), \(bind: 2))")
            }
            #expect(try await samples(database) == ["a": 1, "b": 2])
        }
    }

    /// PostgreSQL takes at most 65,535 values in one statement: three inserts of 24,000 each,
    /// to three tables, must not be held together.
    @Test(arguments: Backend.all)
    func heldWritesStayUnderTheLimitOfValuesInAStatement(backend: Backend) async throws {
        try await withTables(backend) { database in
            try await database.withConnection { session in
                try await session.execute("CREATE TABLE tally (id TEXT PRIMARY KEY, n BIGINT NOT NULL)")
            }
            let rows = 12_000
            try await database.transaction { tx in
                for table in ["sample", "note", "tally"] {
                    let values: [SQLQueryString] = (0..<rows).map { index in
                        table == "note" ? "(\(bind: "n\(index)"), \(bind: Optional<String>.none))"
                                        : "(\(bind: "\(table)\(index)"), \(bind: index))"
                    }
                    let columns = table == "note" ? "(id, sample_id)" : "(id, n)"
                    try await tx.execute("INSERT INTO \(unsafeRaw: table) \(unsafeRaw: columns) VALUES \(values.joined(separator: ", "))")
                }
            }
            let counts = try await database.read { session in
                let row = try #require(try await session.first("""
                    SELECT (SELECT COUNT(*) FROM sample) AS samples, (SELECT COUNT(*) FROM note) AS notes,
                           (SELECT COUNT(*) FROM tally) AS tallies
                    """))
                return [try row.decode(column: "samples", as: Int64.self), try row.decode(column: "notes", as: Int64.self),
                        try row.decode(column: "tallies", as: Int64.self)]
            }
            // The notes' table already held "taken".
            #expect(counts == [Int64(rows), Int64(rows + 1), Int64(rows)])
        }
    }
}
