import Foundation
import Logging
import SQLKit
import Testing
import TesseraCore
@testable import TesseraStore

/// The inline SQLite driver: values round-trip exactly, one statement per call, reads run on
/// read-only connections alongside the writer, and a token's use is written at most once a minute.
@Suite struct SQLiteDriverTests {
    @discardableResult
    private func withSQLite<T: Sendable>(_ body: (TesseraDatabase) async throws -> T) async throws -> T {
        try await Backend.sqlite.withFreshDatabase { database, _ in try await body(database) }
    }

    @Test func valuesRoundTripExactly() async throws {
        try await withSQLite { database in
            try await database.withConnection { session in
                try await session.execute("CREATE TABLE sample (t TEXT, n INTEGER, b BLOB, f REAL)")
                let text = "a\u{0}b é 😀"
                try await session.execute("""
                    INSERT INTO sample VALUES (\(bind: text), \(bind: Int64.max), \(bind: [UInt8]()), \(bind: 1.5))
                    """)
                try await session.execute("INSERT INTO sample VALUES (\(bind: ""), \(bind: true), NULL, NULL)")
                try await session.execute("INSERT INTO sample VALUES (\(bind: String?.none), \(bind: Int?.none), NULL, NULL)")
                let rows = try await session.rows("SELECT t, n, b, f, typeof(b) AS kind FROM sample ORDER BY rowid")
                #expect(try rows.map { try $0.decode(column: "t", as: String?.self) } == [text, "", nil])
                #expect(try rows.map { try $0.decode(column: "n", as: Int64?.self) } == [Int64.max, 1, nil])
                #expect(try rows[1].decode(column: "n", as: Bool.self))
                // An empty blob stays a blob, an empty string stays a string: neither becomes NULL.
                #expect(try rows.map { try $0.decode(column: "kind", as: String.self) } == ["blob", "null", "null"])
                #expect(try rows[0].decode(column: "f", as: Double.self) == 1.5)
                #expect(try rows[2].decodeNil(column: "f"))
                #expect(try !rows[0].decodeNil(column: "t"))
            }
        }
    }

    /// `rows(_:_:)` reads each row where its statement holds it, with no copy: the same values
    /// as a kept (copied) row, and a row kept past its `read` throws when read, rather than
    /// reading whatever row the statement has moved on to.
    @Test func rowsReadInPlaceMatchKeptRowsAndCannotOutliveTheirRead() async throws {
        try await withSQLite { database in
            try await database.withConnection { session in
                try await session.execute("CREATE TABLE sample (t TEXT, n INTEGER, b BLOB, f REAL, id TEXT)")
                let id = UUID()
                try await session.execute("""
                    INSERT INTO sample VALUES (\(bind: "a\u{0}é"), 7, \(bind: [UInt8]([1, 2])), 2.5, \(bind: id.wire))
                    """)
                try await session.execute("INSERT INTO sample VALUES (NULL, NULL, NULL, NULL, NULL)")
                let query: SQLQueryString = "SELECT t, n, b, f, id FROM sample ORDER BY rowid"
                func values(_ row: StoredRow) throws -> [String] {
                    [String(describing: try row.optionalString("t")), String(describing: try row.optionalInt("n")),
                     String(try row.decodeNil(column: "b")), String(describing: try row.decode(column: "f", as: Double?.self)),
                     String(describing: try row.optionalUUID("id"))]
                }
                let copied = try await session.rows(query).map(values)
                var kept: [StoredRow] = []
                let inPlace = try await session.rows(query) { row in
                    kept.append(row)
                    return try values(row)
                }
                #expect(inPlace == copied)
                #expect(inPlace.first == [String(describing: Optional("a\u{0}é")), String(describing: Optional(7)), "false",
                                          String(describing: Optional(2.5)), String(describing: Optional(id))])
                #expect(inPlace.last == ["nil", "nil", "true", "nil", "nil"])
                #expect(kept.count == 2)
                #expect(throws: DatabaseError.self) { try kept[0].optionalString("t") }
                #expect(throws: DatabaseError.self) { try kept[1].optionalUUID("id") }
            }
        }
    }

    /// A bound UUID is stored as the stores write ids (lower case), so it finds them; integer
    /// text reads as a number, other text refuses to.
    @Test func uuidsBindAsTheStoresWriteThemAndTextReadsAsANumberOnlyWhenItIsOne() async throws {
        try await withSQLite { database in
            try await database.withConnection { session in
                let id = UUID()
                try await session.execute("CREATE TABLE sample (id TEXT, n TEXT)")
                try await session.execute("INSERT INTO sample VALUES (\(bind: id.wire), '42')")
                let row = try #require(try await session.first("SELECT id, n FROM sample WHERE id = \(bind: id)"))
                #expect(try row.decode(column: "n", as: Int64.self) == 42)
                try await session.execute("UPDATE sample SET n = 'forty-two'")
                let changed = try #require(try await session.first("SELECT n FROM sample"))
                #expect(throws: DatabaseError.self) { try changed.decode(column: "n", as: Int64.self) }
            }
        }
    }

    /// A cached statement runs with new binds as it was prepared. Without the stable-plans
    /// setting SQLite prepares it again on every run whose bound value it once looked at to pick
    /// a plan: a partial index's `IS NOT NULL` (as on `seats`) or a bound `LIMIT`.
    @Test func aCachedStatementIsNotPreparedAgainForNewBinds() throws {
        let connection = try InlineSQLiteConnection(path: ":memory:", readOnly: false)
        try connection.run("CREATE TABLE sample (pool TEXT, member TEXT, status TEXT)", binds: []) { _ in }
        try connection.run("CREATE UNIQUE INDEX sample_member ON sample (pool, member) WHERE member IS NOT NULL", binds: []) { _ in }
        let query = "SELECT * FROM sample WHERE pool = ?1 AND status <> ?2 LIMIT ?3"
        for round in 0..<5 {
            try connection.run("INSERT INTO sample VALUES (?1, ?2, 'pending')", binds: [.text("p\(round)"), .text("m\(round)")]) { _ in }
            var found = 0
            try connection.run(query, binds: [.text("p\(round)"), .text("revoked"), .integer(Int64(round + 1))]) { _ in found += 1 }
            #expect(found == 1)
        }
        #expect(connection.repreparations(of: query) == 0)
    }

    /// The names of a cached statement's columns are taken again when SQLite re-prepares it
    /// after a schema change, so `SELECT *` sees a column added since.
    @Test func aCachedSelectSeesAColumnAddedSince() throws {
        let connection = try InlineSQLiteConnection(path: ":memory:", readOnly: false)
        try connection.run("CREATE TABLE sample (a TEXT)", binds: []) { _ in }
        try connection.run("INSERT INTO sample VALUES ('x')", binds: []) { _ in }
        var columns: [[String]] = []
        try connection.run("SELECT * FROM sample", binds: []) { columns.append($0.allColumns) }
        try connection.run("ALTER TABLE sample ADD COLUMN b TEXT NOT NULL DEFAULT 'y'", binds: []) { _ in }
        var value: String?
        try connection.run("SELECT * FROM sample", binds: []) { row in
            columns.append(row.allColumns)
            value = try row.decode(column: "b", as: String.self)
        }
        #expect(columns == [["a"], ["a", "b"]])
        #expect(value == "y")
    }

    /// A pool's seats come in list order straight from an index, and its oldest revoked seat
    /// (what assign reuses) from the index on pool and status, so that finding it is one step in
    /// a pool of any size (migration 5): SQLite sorts nothing and walks no pool.
    @Test(arguments: [SeatPoolReference.subscription(UUID()), .order(UUID())])
    func aPoolsSeatsAreReadInIndexOrder(pool: SeatPoolReference) async throws {
        try await withSQLite { database in
            func plan(_ query: SQLQueryString) async throws -> [String] {
                try await database.read { session in
                    try await session.rows("EXPLAIN QUERY PLAN " + query).map { try $0.string("detail") }
                }
            }
            let column = pool.subscriptionId == nil ? "order_id" : "subscription_id"
            let list = try await plan(SeatStore.detailsQuery(in: pool, billingCustomerId: UUID()))
            #expect(list.contains { $0.contains("\(column)=?") }, "\(list)")
            #expect(!list.contains { $0.contains("TEMP B-TREE") }, "\(list)")
            let revoked = try await plan(SeatStore.firstRevokedQuery(in: pool))
            #expect(revoked.contains { $0.contains("\(column)=? AND status=?") }, "\(revoked)")
            #expect(!revoked.contains { $0.contains("TEMP B-TREE") }, "\(revoked)")
        }
    }

    /// Subscriptions due to end are found through their partial index, not by walking every
    /// subscription whose period is over (Tessera renews none, so those pile up).
    @Test func dueSubscriptionsAreFoundByTheirIndex() async throws {
        try await withSQLite { database in
            let plan = try await database.read { session in
                try await session.rows("EXPLAIN QUERY PLAN " + SubscriptionStore.dueToEndQuery(at: Date(), limit: 100))
                    .map { try $0.string("detail") }
            }
            #expect(plan.contains { $0.contains("subscriptions_ending") }, "\(plan)")
        }
    }

    /// Rows are read the same way on both databases: values and NULLs bound and read back, in
    /// any order, and a column the result lacks is an error, not a crash (postgres-nio's row
    /// traps on an unknown name).
    @Test(arguments: Backend.all)
    func rowsReadTheSameOnBothDatabases(backend: Backend) async throws {
        try await backend.withFreshDatabase { database, _ in
            try await database.withConnection { session in
                try await session.execute("CREATE TABLE sample (t TEXT, n BIGINT, b BOOLEAN)")
                try await session.execute("INSERT INTO sample VALUES (\(bind: "é😀"), \(bind: Int64.max), \(bind: true))")
                try await session.execute("INSERT INTO sample VALUES (\(bind: String?.none), \(bind: Int?.none), \(bind: false))")
                let rows = try await session.rows("SELECT t, n, b FROM sample ORDER BY b DESC")
                #expect(try rows.map { try $0.optionalString("t") } == ["é😀", nil])
                #expect(try rows.map { try $0.optionalInt("n") } == [Int(Int64.max), nil])
                #expect(try rows.map { try $0.bool("b") } == [true, false])
                #expect(throws: DatabaseError.self) { try rows[0].string("missing") }
                // Columns are found by name whatever the order they are read in (each database's
                // rows guess that the next one read is the next one selected).
                #expect(try rows.map { "\(try $0.bool("b")) \(try $0.optionalInt("n") ?? 0) \(try $0.optionalString("t") ?? "-")" }
                        == ["true \(Int64.max) é😀", "false 0 -"])
                #expect(try await session.first("SELECT t FROM sample WHERE t = \(bind: "absent")") == nil)
                // A bound UUID is its wire text, as ids are stored.
                let id = UUID()
                try await session.execute("INSERT INTO sample VALUES (\(bind: id.wire), NULL, \(bind: false))")
                #expect(try await session.first("SELECT t FROM sample WHERE t = \(bind: id)")?.string("t") == id.wire)
            }
        }
    }

    /// PostgreSQL values of every type Tessera's tables hold read back through the typed reads:
    /// text of each kind, every integer width, booleans, floating point, NULL of any type; and a
    /// type they hold nowhere goes by postgres-nio's rules (a `uuid` as its own spelling).
    @Test(.enabled(if: Backend.all.contains(.postgres)))
    func postgresRowsReadEveryTypeTheyHold() async throws {
        try await Backend.postgres.withFreshDatabase { database, _ in
            try await database.withConnection { session in
                let row = try #require(try await session.first("""
                    SELECT 'é😀'::text AS t, 'v'::varchar AS v, 'ab'::char(3) AS c, 'nm'::name AS nm, ''::text AS e,
                           (-7)::int2 AS s, 2147483647::int4 AS i, \(bind: Int64.min)::int8 AS l, NULL::int8 AS nl,
                           true AS yes, false AS no, NULL::boolean AS nb, NULL::text AS nt, NULL::jsonb AS nj,
                           1.5::float8 AS d, 2.5::float4 AS f
                    """))
                #expect(try row.string("t") == "é😀")
                #expect(try row.string("v") == "v")
                #expect(try row.string("c") == "ab ")
                #expect(try row.string("nm") == "nm")
                #expect(try row.optionalString("e") == "")
                #expect(try row.int("s") == -7)
                #expect(try row.int("i") == 2_147_483_647)
                #expect(try row.date("l") == Timestamp.date(micros: Int64.min))
                #expect(try row.optionalInt("nl") == nil)
                #expect(try row.optionalDate("nl") == nil)
                #expect(try row.bool("yes") == true)
                #expect(try row.bool("no") == false)
                #expect(try row.decode(column: "yes", as: Bool.self) == true)
                #expect(try row.decode(column: "d", as: Double.self) == 1.5)
                #expect(try row.decode(column: "f", as: Double.self) == 2.5)
                #expect(try row.optionalString("nt") == nil)
                #expect(try row.optionalString("nj") == nil)  // NULL is NULL whatever its type
                #expect(throws: DatabaseError.self) { try row.int("nl") }
                #expect(throws: DatabaseError.self) { try row.bool("nb") }
                #expect(throws: DatabaseError.self) { try row.string("nt") }
                #expect(throws: DatabaseError.self) { try row.int("t") }

                let other = try #require(try await session.first("""
                    SELECT 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid AS u, 12.5::numeric AS num, 'x'::text AS t, 3::int8 AS n
                    """))
                #expect(try other.string("u") == "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11")  // postgres-nio's spelling
                #expect(throws: DatabaseError.self) { try other.int("num") }
                #expect(try other.string("t") == "x")
                #expect(try other.int("n") == 3)
            }
        }
    }

    /// A row keeps its text values' bytes side by side in one buffer: each column still reads
    /// back as its own value (empty text is not NULL), ids are read from the bytes, and text
    /// that is not an id is refused rather than read as nil.
    @Test(arguments: Backend.all)
    func textColumnsOfOneRowReadBackApart(backend: Backend) async throws {
        try await backend.withFreshDatabase { database, _ in
            try await database.withConnection { session in
                try await session.execute("CREATE TABLE sample (a TEXT, b TEXT, c TEXT, d TEXT, e TEXT, n BIGINT)")
                let first = UUID(), second = UUID()
                try await session.execute("""
                    INSERT INTO sample VALUES (\(bind: first.wire), \(bind: ""), \(bind: String?.none),
                                               \(bind: second.wire.uppercased()), \(bind: "not-an-id"), \(bind: 7))
                    """)
                let row = try #require(try await session.first("SELECT a, b, c, d, e, n FROM sample"))
                #expect(try row.uuid("a") == first)
                #expect(try row.string("a") == first.wire)
                #expect(try row.optionalString("b") == "")
                #expect(try row.optionalString("c") == nil)
                #expect(try row.optionalUUID("c") == nil)
                #expect(try row.uuid("d") == second)
                #expect(throws: DatabaseError.self) { try row.optionalUUID("e") }
                #expect(throws: DatabaseError.self) { try row.uuid("c") }
                #expect(try row.int("n") == 7)
                #expect(try row.string("e") == "not-an-id")
            }
        }
    }

    /// Columns are found by name in any order of reading, after a guess that the next one read
    /// is the next one selected; where a name occurs twice, the first one wins, as in SQLite.
    @Test func columnsAreFoundByNameInAnyOrder() throws {
        let columns = ResultColumns(["a", "b", "c", "b"])
        let orders = [["a", "b", "c"], ["c", "b", "a"], ["b", "c", "b", "a"], ["a", "a", "c", "c", "b"]]
        for _ in 0..<3 {
            for order in orders {
                #expect(order.map { columns.position(of: $0) } == order.map { ["a": 0, "b": 1, "c": 2][$0] })
            }
        }
        #expect(columns.position(of: "d") == nil)
        // After reading `c` (position 2) the guess is position 3, another `b`: the first wins.
        #expect(columns.position(of: "c") == 2)
        #expect(columns.position(of: "b") == 1)
    }

    @Test func aSecondStatementInOneTextIsRefusedRatherThanDropped() async throws {
        try await withSQLite { database in
            try await database.withConnection { session in
                try await session.execute("CREATE TABLE sample (n INTEGER)")
                await #expect(throws: SQLiteFailure.self) {
                    try await session.execute("INSERT INTO sample VALUES (1); INSERT INTO sample VALUES (2)")
                }
                #expect(try await session.rows("SELECT n FROM sample").isEmpty)
                // A trailing semicolon is one statement.
                try await session.execute("INSERT INTO sample VALUES (3);")
                #expect(try await session.rows("SELECT n FROM sample").count == 1)
            }
        }
    }

    @Test func aDuplicateKeyIsTheOneUniqueViolationError() async throws {
        try await withSQLite { database in
            try await database.withConnection { session in
                try await session.execute("CREATE TABLE sample (n INTEGER PRIMARY KEY, t TEXT UNIQUE)")
                try await session.execute("INSERT INTO sample VALUES (1, 'a')")
                await #expect(throws: DatabaseError.uniqueViolation) {
                    try await session.execute("INSERT INTO sample VALUES (1, 'b')")
                }
                await #expect(throws: DatabaseError.uniqueViolation) {
                    try await session.execute("INSERT INTO sample VALUES (2, 'a')")
                }
            }
        }
    }

    @Test func readsRefuseToWrite() async throws {
        try await withSQLite { database in
            await #expect(throws: SQLiteFailure.self) {
                try await database.read { try await $0.execute("CREATE TABLE sample (n INTEGER)") }
            }
        }
    }

    /// With one connection for everything, the read inside the open write transaction would
    /// wait for that transaction, which waits for the read: a deadlock, caught by the bound.
    @Test func readsRunAlongsideAnOpenWriteTransactionAndSeeOnlyCommittedRows() async throws {
        try await withSQLite { database in
            try await database.withConnection { try await $0.execute("CREATE TABLE sample (n INTEGER)") }
            try await database.withConnection { try await $0.execute("INSERT INTO sample VALUES (1)") }
            let seenDuringWrite = try await database.transaction { tx -> Int in
                try await tx.execute("INSERT INTO sample VALUES (2)")
                return try await withThrowingTaskGroup(of: Int?.self) { group in
                    group.addTask {
                        try await database.read { try await $0.rows("SELECT n FROM sample").count }
                    }
                    group.addTask {
                        try await Task.sleep(for: .seconds(30))
                        return nil
                    }
                    let first = try await group.next() ?? nil
                    group.cancelAll()
                    return try #require(first, "the read waited for the write transaction")
                }
            }
            #expect(seenDuringWrite == 1)
            #expect(try await database.read { try await $0.rows("SELECT n FROM sample").count } == 2)
        }
    }

    @Test(arguments: Backend.all)
    func aTokensUseIsWrittenAtMostOncePerMinute(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            func lastUsed() async throws -> Int64? {
                try await server.database.read {
                    try await $0.first("""
                        SELECT last_used_at FROM access_tokens WHERE token_hash = \(bind: SecretToken.hash(org.token))
                        """)?.decode(column: "last_used_at", as: Int64?.self)
                }
            }
            func statementsOfOneRequest() async throws -> Int {
                let before = server.database.statementCount
                #expect(try await server.request(.get, "/v1/products/", token: org.token).status == .ok)
                return server.database.statementCount - before
            }
            _ = try await statementsOfOneRequest()
            let first = try #require(try await lastUsed())
            server.clock.advance(by: 30)
            let withinTheMinute = try await statementsOfOneRequest()
            #expect(try await lastUsed() == first)
            server.clock.advance(by: 31)
            let afterTheMinute = try await statementsOfOneRequest()
            #expect(try #require(try await lastUsed()) > first)
            #expect(afterTheMinute == withinTheMinute + 1)
        }
    }

    /// The writer leaves checkpoints to `run()` until the WAL is large; `run()` copies the WAL
    /// into the database file in the background, which the file's growth shows.
    @Test func theWALIsCheckpointedInTheBackgroundNotByTheWriter() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-wal-\(UUID().wire).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let database = try await TesseraDatabase.open(.sqliteFile(path), logger: Logger(label: "tessera-test"))
        let threshold = try await database.withConnection {
            try await $0.first("PRAGMA wal_autocheckpoint")?.decode(column: "wal_autocheckpoint", as: Int.self)
        }
        #expect(threshold == 10_000)
        try await database.withConnection { session in
            try await session.execute("CREATE TABLE sample (t TEXT)")
            for _ in 0..<200 { try await session.execute("INSERT INTO sample VALUES (\(bind: String(repeating: "x", count: 1000)))") }
        }
        func fileSize() throws -> Int {
            (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
        }
        let before = try fileSize()
        let service = Task { try await database.run() }
        defer { service.cancel() }
        var after = before
        for _ in 0..<300 where after < before + 100_000 {
            try await Task.sleep(for: .milliseconds(100))
            after = try fileSize()
        }
        #expect(after >= before + 100_000, "the database file stayed at \(after) bytes")
    }

    /// Recording a token's use is bookkeeping: when the write cannot be made (another process
    /// holds SQLite's write lock past the busy timeout), the request is still answered.
    @Test func aTokensUseThatCannotBeWrittenDoesNotRefuseTheRequest() async throws {
        try await Backend.sqlite.withFreshDatabase { database, location in
            guard case .sqliteFile(let path) = location else { throw TestFailure("not a file") }
            try await TestServer.run(database: database, backend: .sqlite) { server in
                let org = try await server.makeOrganization()
                server.clock.advance(by: AccessToken.useRecordingInterval + 1)
                let other = try InlineSQLiteConnection(path: path, readOnly: false)
                try other.run("BEGIN IMMEDIATE", binds: []) { _ in }
                defer { try? other.run("ROLLBACK", binds: []) { _ in } }
                #expect(try await server.request(.get, "/v1/products/", token: org.token).status == .ok)
            }
        }
    }

    /// Under writes that never pause (each transaction begins as the last commits), SQLite
    /// never starts the WAL over by itself; the background checkpoint does, holding the writer
    /// briefly once the WAL is `walRestartFrames` long, well before the writer's own threshold
    /// (twice that) would make a commit copy the WAL. Without it the WAL grows to that threshold.
    @Test func theBackgroundCheckpointStartsTheWALOverUnderSteadyWrites() async throws {
        let restart = 1_000
        let (database, path) = try await Self.fillerDatabase(WALSchedule(restartFrames: restart, emptyAfter: .seconds(3600)))
        defer { Self.removeDatabaseFiles(path) }
        let highest = try await withThrowingTaskGroup(of: (written: Int, restarts: Int, longest: Int).self) { group in
            group.addTask { try await database.run(); return (0, 0, 0) }
            // Two writers, so that one waits for the writer while the other holds it; each
            // transaction writes about six pages and holds the writer 2 ms (about 3,000 frames a
            // second), so the background rounds (every 20 ms) keep far ahead of the threshold.
            for _ in 0..<2 {
                group.addTask {
                    var (written, restarts, longest, last) = (0, 0, 0, 0)
                    for _ in 0..<400 {
                        try await database.transaction { session in
                            for _ in 0..<5 { try await session.execute("INSERT INTO filler VALUES (zeroblob(3000))") }
                            try await Task.sleep(for: .milliseconds(2))
                        }
                        let frames = try Self.walFrames(path)
                        if frames < last { restarts += 1; written += frames } else { written += frames - last }
                        (last, longest) = (frames, max(longest, frames))
                    }
                    return (written, restarts, longest)
                }
            }
            var results: [(written: Int, restarts: Int, longest: Int)] = []
            for _ in 0..<2 { if let result = try await group.next() { results.append(result) } }
            group.cancelAll()
            return results
        }
        // Each writer saw the WAL written well past the threshold, and started over many times.
        for result in highest {
            #expect(result.written > restart * 4, "\(result)")
            #expect(result.restarts >= 2, "\(result)")
            #expect(result.longest < restart * 2, "\(result)")
        }
    }

    /// SQLite writes its WAL over from the start but never shortens the file, so a burst of
    /// writes would leave it at its longest beside the database for good. Once writes have
    /// paused for `emptyAfter`, the background checkpoint empties it (and not before: a pause
    /// of several rounds leaves it); nothing written is lost, and writes go on after.
    @Test func theWALFileIsEmptiedOnceWritesPause() async throws {
        let (database, path) = try await Self.fillerDatabase(WALSchedule(restartFrames: 1_000, emptyAfter: .seconds(5)))
        defer { Self.removeDatabaseFiles(path) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await database.run() }
            // About 300 frames: short of the restart threshold, so only the pause empties it.
            for _ in 0..<50 {
                try await database.transaction { session in
                    for _ in 0..<5 { try await session.execute("INSERT INTO filler VALUES (zeroblob(3000))") }
                }
            }
            #expect(try Self.walBytes(path) > 250 * 3000)
            // Several rounds (20 ms, then 200 ms apart) well within the pause: still there.
            try await Task.sleep(for: .milliseconds(600))
            #expect(try Self.walBytes(path) > 250 * 3000)
            // Waits for it, up to 20 s: a bound on the wait, not a timing being tested.
            var bytes = try Self.walBytes(path)
            for _ in 0..<200 where bytes != 0 {
                try await Task.sleep(for: .milliseconds(100))
                bytes = try Self.walBytes(path)
            }
            #expect(bytes == 0)
            try await database.transaction { try await $0.execute("INSERT INTO filler VALUES (zeroblob(10))") }
            let count = try await database.read { session in
                try await session.rows("SELECT count(*) AS n FROM filler") { try $0.int("n") }
            }
            #expect(count == [251])
            group.cancelAll()
        }
    }

    /// A reader still reading from the WAL (here another connection, as the sqlite3 shell or a
    /// backup would be) keeps it from being emptied; the checkpoint tries again, and empties it
    /// once that reader is done.
    @Test func theWALFileWaitsForAReaderStillUsingIt() async throws {
        let (database, path) = try await Self.fillerDatabase(WALSchedule(restartFrames: 1_000, emptyAfter: .milliseconds(300)))
        defer { Self.removeDatabaseFiles(path) }
        for _ in 0..<20 {
            try await database.transaction { try await $0.execute("INSERT INTO filler VALUES (zeroblob(3000))") }
        }
        // Its read begins before any checkpoint, so it reads from the WAL (a read that begins
        // with every frame copied reads the database file alone and holds nothing back).
        let reader = try InlineSQLiteConnection(path: path, readOnly: true)
        try reader.run("BEGIN", binds: []) { _ in }
        try reader.run("SELECT count(*) FROM filler", binds: []) { _ in }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await database.run() }
            // Several idle rounds (200 ms apart) pass while the reader holds on.
            try await Task.sleep(for: .milliseconds(1_500))
            #expect(try Self.walBytes(path) > 20 * 3000)
            try reader.run("COMMIT", binds: []) { _ in }
            var bytes = try Self.walBytes(path)
            for _ in 0..<200 where bytes != 0 {
                try await Task.sleep(for: .milliseconds(100))
                bytes = try Self.walBytes(path)
            }
            #expect(bytes == 0)
            group.cancelAll()
        }
        reader.close()
    }

    /// A connection that has not read the file yet does not know it is in WAL mode, and SQLite's
    /// checkpoint call on it does nothing while answering success: emptying the WAL from such a
    /// connection must still empty it (it reads the file first, as the copying round does).
    @Test func aNewConnectionEmptiesTheWAL() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-wal-\(UUID().wire).sqlite").path
        defer { Self.removeDatabaseFiles(path) }
        let writer = try InlineSQLiteConnection(path: path, readOnly: false)
        try writer.run("PRAGMA journal_mode = WAL", binds: []) { _ in }
        try writer.run("CREATE TABLE filler (b BLOB NOT NULL)", binds: []) { _ in }
        for _ in 0..<20 { try writer.run("INSERT INTO filler VALUES (zeroblob(3000))", binds: []) { _ in } }
        #expect(try writer.checkpointPassively().uncopied == 0)
        #expect(try Self.walBytes(path) > 20 * 3000)
        let checkpointer = try InlineSQLiteConnection(path: path, readOnly: false)
        #expect(try checkpointer.truncateWALIfUnused())
        #expect(try Self.walBytes(path) == 0)
        checkpointer.close()
        writer.close()
    }

    /// A database in a fresh file with one table, `filler`, for the WAL tests; the caller
    /// removes its files (`removeDatabaseFiles`).
    private static func fillerDatabase(_ schedule: WALSchedule) async throws -> (TesseraDatabase, String) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-wal-\(UUID().wire).sqlite").path
        do {
            let database = try await TesseraDatabase.open(.sqliteFile(path), logger: Logger(label: "tessera-test"),
                                                          walSchedule: schedule)
            try await database.withConnection { try await $0.execute("CREATE TABLE filler (b BLOB NOT NULL)") }
            return (database, path)
        } catch {
            removeDatabaseFiles(path)
            throw error
        }
    }

    private static func removeDatabaseFiles(_ path: String) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    /// The WAL file's length in bytes.
    private static func walBytes(_ databasePath: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: databasePath + "-wal")[.size] as? Int) ?? -1
    }

    /// The WAL's length in frames, as the wal-index header (the `-shm` file's first bytes, in the
    /// machine's byte order) gives it to every connection: `mxFrame`, at offset 16.
    private static func walFrames(_ databasePath: String) throws -> Int {
        let header = try Data(contentsOf: URL(fileURLWithPath: databasePath + "-shm")).prefix(20)
        guard header.count == 20 else { throw TestFailure("no wal-index header") }
        return Int(header.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 16, as: UInt32.self) })
    }
}
