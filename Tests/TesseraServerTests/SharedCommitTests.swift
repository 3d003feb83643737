import Foundation
import Logging
import NIOConcurrencyHelpers
import Testing
import TesseraCore
@testable import TesseraStore

/// SQLite's writer lets transactions that queue for it share one commit (`SQLiteWriter`): each
/// sees the ones before it, nobody else sees any of them until the shared commit, each returns
/// only once it is committed, one that throws is undone alone, and a lost transaction fails every
/// member that was waiting for it.
@Suite struct SharedCommitTests {
    /// A database file with `sample (n INTEGER PRIMARY KEY)`, its writer, and a read-only
    /// connection that sees what is committed; removed by `close()`.
    private struct Fixture {
        let writer: SQLiteWriter
        let reader: InlineSQLiteConnection
        let path: String

        init(groupLimit: Int = SQLiteWriter.defaultGroupLimit,
             busyTimeout: Duration = TesseraDatabase.defaultSQLiteBusyTimeout) throws {
            path = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-commit-\(UUID().wire).sqlite").path
            let connection = try InlineSQLiteConnection(path: path, readOnly: false, busyTimeout: busyTimeout)
            try connection.run("PRAGMA journal_mode = WAL", binds: []) { _ in }
            try connection.run("CREATE TABLE sample (n INTEGER PRIMARY KEY)", binds: []) { _ in }
            writer = SQLiteWriter(connection, groupLimit: groupLimit, logger: Logger(label: "tessera-test"))
            reader = try InlineSQLiteConnection(path: path, readOnly: true)
        }

        func close() async {
            await writer.close()
            reader.close()
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }

        /// The rows of `sample` that `connection` sees.
        static func rows(_ connection: InlineSQLiteConnection) throws -> [Int64] {
            var rows: [Int64] = []
            try connection.run("SELECT n FROM sample ORDER BY n", binds: []) { rows.append(try $0.decode(column: "n", as: Int64.self)) }
            return rows
        }

        /// What is committed.
        func committed() throws -> [Int64] { try Self.rows(reader) }

        static func insert(_ n: Int, on connection: InlineSQLiteConnection) throws {
            try connection.run("INSERT INTO sample VALUES (?)", binds: [.integer(Int64(n))]) { _ in }
        }

        /// Runs `first` holding the writer until `queued` others wait for it, then every one of
        /// them, in the order they queued: each gets its position (1, 2, …) and the connection.
        /// Returns how `first` ended, how each queued one did, by position, and what was
        /// committed as each returned (`first`'s under position 0).
        func lineUp<T: Sendable>(
            first: @escaping @Sendable (InlineSQLiteConnection) throws -> Void,
            queued: Int,
            _ each: @escaping @Sendable (Int, InlineSQLiteConnection) throws -> T
        ) async throws -> (first: Result<Void, any Error>, queued: [Int: Result<T, any Error>], committedOnReturn: [Int: [Int64]]) {
            let writer = self.writer, path = self.path
            let committedOnReturn = NIOLockedValueBox<[Int: [Int64]]>([:])
            @Sendable func noteCommitted(at position: Int) throws {
                let reader = try InlineSQLiteConnection(path: path, readOnly: true)
                defer { reader.close() }
                let rows = try Fixture.rows(reader)
                committedOnReturn.withLockedValue { $0[position] = rows }
            }
            let counter = StatementCounter()
            let holding = NIOLockedValueBox(false)
            let begun = NIOLockedValueBox(0)
            return try await withThrowingTaskGroup(of: (Int, Result<T?, any Error>).self) { group in
                group.addTask {
                    do {
                        try await writer.transaction(counter: counter) { connection in
                            holding.withLockedValue { $0 = true }
                            try await SharedCommitTests.waitUntil { writer.waiting == queued }
                            try first(connection)
                        }
                        try noteCommitted(at: 0)
                        return (0, .success(nil))
                    } catch {
                        return (0, .failure(error))
                    }
                }
                try await SharedCommitTests.waitUntil { holding.withLockedValue { $0 } }
                for _ in 0..<queued {
                    group.addTask {
                        let position = NIOLockedValueBox(-1)
                        do {
                            let value = try await writer.transaction(counter: counter) { connection in
                                let mine = begun.withLockedValue { $0 += 1; return $0 }
                                position.withLockedValue { $0 = mine }
                                return try each(mine, connection)
                            }
                            try noteCommitted(at: position.withLockedValue { $0 })
                            return (position.withLockedValue { $0 }, .success(value))
                        } catch {
                            return (position.withLockedValue { $0 }, .failure(error))
                        }
                    }
                }
                var first: Result<Void, any Error> = .success(())
                var outcomes: [Int: Result<T, any Error>] = [:]
                for try await (position, outcome) in group {
                    if position == 0 {
                        first = outcome.map { _ in () }
                    } else {
                        switch outcome {
                        case .success(let value): outcomes[position] = .success(try #require(value))
                        case .failure(let error): outcomes[position] = .failure(error)
                        }
                    }
                }
                return (first, outcomes, committedOnReturn.withLockedValue { $0 })
            }
        }
    }

    /// Waits, a millisecond at a time and for at most 10 s, until `condition` holds.
    private static func waitUntil(_ condition: () -> Bool) async throws {
        for _ in 0..<10_000 where !condition() { try await Task.sleep(for: .milliseconds(1)) }
    }

    @Test func queuedTransactionsShareOneCommitAndEachReturnsOnlyOnceCommitted() async throws {
        let fixture = try Fixture()
        let reader = fixture.reader
        // What each queued transaction saw: through its own connection, and committed.
        let (first, seen, committedOnReturn) = try await fixture.lineUp(first: { try Fixture.insert(0, on: $0) }, queued: 3) { position, connection in
            try Fixture.insert(position, on: connection)
            return [try Fixture.rows(connection), try Fixture.rows(reader)]
        }
        try first.get()
        for position in 1...3 {
            let saw = try #require(try seen[position]?.get())
            #expect(saw[0] == Array(0...Int64(position)), "each sees the ones before it")
            #expect(saw[1].isEmpty, "none is committed before the last of the group is done")
        }
        for position in 0...3 {
            #expect(committedOnReturn[position]?.contains(Int64(position)) == true, "each returns once it is committed")
        }
        #expect(try fixture.committed() == [0, 1, 2, 3])
        await fixture.close()
    }

    /// Once the group has `groupLimit` members it commits, and the next begins a new one.
    @Test func aGroupCommitsAtItsLimit() async throws {
        let fixture = try Fixture(groupLimit: 2)
        let reader = fixture.reader
        let (_, seen, _) = try await fixture.lineUp(first: { try Fixture.insert(0, on: $0) }, queued: 3) { position, connection in
            try Fixture.insert(position, on: connection)
            return try Fixture.rows(reader)
        }
        #expect(try seen[1]?.get() == [])
        #expect(try seen[2]?.get() == [0, 1])
        #expect(try seen[3]?.get() == [0, 1])
        #expect(try fixture.committed() == [0, 1, 2, 3])
        await fixture.close()
    }

    @Test func aTransactionThatThrowsIsUndoneAloneAndTheOthersCommit() async throws {
        let fixture = try Fixture()
        let (first, outcomes, _) = try await fixture.lineUp(first: { try Fixture.insert(0, on: $0) }, queued: 3) { position, connection in
            try Fixture.insert(position, on: connection)
            if position == 2 { throw DatabaseError.unexpected("refused") }
        }
        try first.get()
        #expect(throws: DatabaseError.unexpected("refused")) { try outcomes[2]?.get() }
        #expect(throws: Never.self) { try outcomes[1]?.get(); try outcomes[3]?.get() }
        #expect(try fixture.committed() == [0, 1, 3])
        await fixture.close()
    }

    /// The first of a group has no savepoint: when it throws, its transaction is rolled back
    /// whole, and the ones waiting begin their own.
    @Test func whenTheFirstThrowsTheWaitingOnesCommitWithoutIt() async throws {
        let fixture = try Fixture()
        let (first, outcomes, _) = try await fixture.lineUp(first: { connection in
            try Fixture.insert(0, on: connection)
            throw DatabaseError.unexpected("refused")
        }, queued: 2) { position, connection in try Fixture.insert(position, on: connection) }
        #expect(throws: DatabaseError.unexpected("refused")) { try first.get() }
        #expect(throws: Never.self) { try outcomes[1]?.get(); try outcomes[2]?.get() }
        #expect(try fixture.committed() == [1, 2])
        await fixture.close()
    }

    /// `INSERT OR ROLLBACK` that conflicts rolls back the whole transaction, as a full disk
    /// would: the members before it lose their work and must not report success; those after
    /// it begin anew.
    @Test func aLostTransactionFailsEveryMemberWaitingForItsCommit() async throws {
        let fixture = try Fixture()
        let (first, outcomes, _) = try await fixture.lineUp(first: { try Fixture.insert(0, on: $0) }, queued: 3) { position, connection in
            if position == 2 { try connection.run("INSERT OR ROLLBACK INTO sample VALUES (0)", binds: []) { _ in } }
            try Fixture.insert(position, on: connection)
        }
        #expect(throws: DatabaseError.uniqueViolation) { try first.get() }
        #expect(throws: DatabaseError.uniqueViolation) { try outcomes[1]?.get() }
        #expect(throws: DatabaseError.uniqueViolation) { try outcomes[2]?.get() }
        #expect(throws: Never.self) { try outcomes[3]?.get() }
        #expect(try fixture.committed() == [3])
        await fixture.close()
    }

    /// A plain lease queued behind transactions ends their group: it gets the connection with
    /// no transaction open, after the group's commit, ahead of the transaction queued after it.
    @Test func aPlainLeaseWaitsForTheGroupsCommitAndIsNotPassedOver() async throws {
        let fixture = try Fixture()
        let writer = fixture.writer
        let counter = StatementCounter()
        let events = NIOLockedValueBox<[String]>([])
        let holding = NIOLockedValueBox(false)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await writer.transaction(counter: counter) { connection in
                    holding.withLockedValue { $0 = true }
                    try await Self.waitUntil { writer.waiting == 2 }
                    try Fixture.insert(0, on: connection)
                    events.withLockedValue { $0.append("first") }
                }
            }
            try await Self.waitUntil { holding.withLockedValue { $0 } }
            group.addTask {
                try await writer.withConnection { connection in
                    let rows = try Fixture.rows(connection)
                    events.withLockedValue { $0.append("lease: in a transaction \(connection.isInTransaction), rows \(rows)") }
                }
            }
            try await Self.waitUntil { writer.waiting == 1 }
            group.addTask {
                try await writer.transaction(counter: counter) { connection in
                    try Fixture.insert(1, on: connection)
                    events.withLockedValue { $0.append("second") }
                }
            }
            try await group.waitForAll()
        }
        #expect(events.withLockedValue { $0 } == ["first", "lease: in a transaction false, rows [0]", "second"])
        #expect(try fixture.committed() == [0, 1])
        await fixture.close()
    }

    /// A savepoint's journal keeps the first version of each page the savepoint changes; past
    /// SQLite's default of 64 KiB it went to a temporary file, nameless (`O_TMPFILE`, shown as
    /// `/var/tmp/#…`) or `etilqs_…` deleted at once.
    /// About 400 KB of it now stays in memory: no such file is open while it is.
    @Test func aSavepointsJournalOfAFewHundredKilobytesStaysInMemory() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-journal-\(UUID().wire).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let connection = try InlineSQLiteConnection(path: path, readOnly: false)
        defer { connection.close() }
        func run(_ sql: String) throws { try connection.run(sql, binds: []) { _ in } }
        try run("PRAGMA journal_mode = WAL")
        try run("CREATE TABLE sample (n INTEGER PRIMARY KEY, body BLOB)")
        try run("WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < 400) INSERT INTO sample SELECT n, zeroblob(900) FROM k")
        func temporaryFiles() throws -> Set<String> {
            let descriptors = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")
            return Set(descriptors.compactMap { try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\($0)") }
                .filter { $0.hasSuffix(" (deleted)") && ($0.contains("/#") || $0.contains("etilqs_")) })
        }
        let before = try temporaryFiles()
        try run("BEGIN IMMEDIATE")
        try run("SAVEPOINT member")
        try run("UPDATE sample SET body = zeroblob(901)")
        let during = try temporaryFiles()
        try run("RELEASE SAVEPOINT member")
        try run("COMMIT")
        #expect(during.subtracting(before).isEmpty)
    }

    /// Another process holds the write lock (the sqlite3 shell in a transaction): the first
    /// transaction waits the busy timeout for it and fails with `DatabaseError.busy`, and those
    /// that queued behind it meanwhile fail with it at once, rather than each beginning and
    /// waiting the busy timeout in turn. Once the lock is let go, transactions commit again.
    @Test func transactionsQueuedBehindOneThatFoundTheDatabaseLockedFailWithItAtOnce() async throws {
        let fixture = try Fixture(busyTimeout: .milliseconds(100))
        let shell = try InlineSQLiteConnection(path: fixture.path, readOnly: false)
        try shell.run("BEGIN IMMEDIATE", binds: []) { _ in }
        let writer = fixture.writer
        let counter = StatementCounter()
        let holding = NIOLockedValueBox(false)
        // A plain lease holds the writer until three transactions queue behind it.
        let outcomes = try await withThrowingTaskGroup(of: Result<Void, any Error>?.self) { group in
            group.addTask {
                try await writer.withConnection { _ in
                    holding.withLockedValue { $0 = true }
                    try await SharedCommitTests.waitUntil { writer.waiting == 3 }
                }
                return nil
            }
            try await SharedCommitTests.waitUntil { holding.withLockedValue { $0 } }
            for n in 1...3 {
                group.addTask {
                    do {
                        try await writer.transaction(counter: counter) { try Fixture.insert(n, on: $0) }
                        return .success(())
                    } catch {
                        return .failure(error)
                    }
                }
            }
            var outcomes: [Result<Void, any Error>] = []
            for try await case let outcome? in group { outcomes.append(outcome) }
            return outcomes
        }
        #expect(outcomes.count == 3)
        for outcome in outcomes { #expect(throws: DatabaseError.busy) { try outcome.get() } }
        #expect(counter.statements == 1, "only the first began")

        try shell.run("ROLLBACK", binds: []) { _ in }
        shell.close()
        try await writer.transaction(counter: counter) { try Fixture.insert(4, on: $0) }
        #expect(try fixture.committed() == [4])
        await fixture.close()
    }
}
