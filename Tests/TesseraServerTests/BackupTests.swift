import Foundation
import NIOConcurrencyHelpers
import Testing
import TesseraCore
import TesseraStore

/// `tessera backup`'s copy (`DatabaseBackup`): consistent while a server writes, never over a file.
/// SQLite only: PostgreSQL is backed up with `pg_dump`.
@Suite struct BackupTests {
    /// A path in the temporary folder that does not exist yet.
    static func freshPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("tessera-\(name)-\(UUID().wire).sqlite").path
    }

    static func remove(_ path: String) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    @Test func aBackupTakenDuringABurstOfAssignsHasEverySeatCommittedBeforeItAndServes() async throws {
        let source = try await Backend.sqlite.freshLocation()
        guard case .sqliteFile(let sourcePath) = source else { throw TestFailure("not a SQLite file") }
        let backupPath = Self.freshPath("backup")
        defer {
            Self.remove(sourcePath)
            Self.remove(backupPath)
        }
        let committedBeforeBackup = NIOLockedValueBox<Set<String>>([])
        let committedInAll = NIOLockedValueBox<Set<String>>([])
        let setup = NIOLockedValueBox<(TestOrganization, TestPool)?>(nil)

        try await Backend.withDatabase(source) { database in
            try await TestServer.run(database: database, backend: .sqlite) { server in
                let org = try await server.makeOrganization()
                let pool = try await server.makeSubscription(org, seats: 100_000)
                setup.withLockedValue { $0 = (org, pool) }
                let committed = NIOLockedValueBox<[String]>([])
                let stop = NIOLockedValueBox(false)
                // Each commit reports the running count, so the test can wait for counts, not time.
                let (counts, report) = AsyncStream.makeStream(of: Int.self)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for worker in 0..<4 {
                        group.addTask {
                            // A failed worker ends the stream, so the waits below end instead of hanging.
                            do {
                                var index = 0
                                while !stop.withLockedValue({ $0 }) {
                                    let response = try await server.assign(
                                        org, pool, ["email": .string("w\(worker)-\(index)@example.com")])
                                    try #require(response.status == .ok, "\(response.json)")
                                    report.yield(committed.withLockedValue { $0.append(response.id); return $0.count })
                                    index += 1
                                }
                            } catch {
                                report.finish()
                                throw error
                            }
                        }
                    }
                    var iterator = counts.makeAsyncIterator()
                    while let count = await iterator.next(), count < 40 {}
                    // Everything answered so far was committed before the copy began.
                    committedBeforeBackup.withLockedValue { $0 = Set(committed.withLockedValue { $0 }) }
                    let copy = try await DatabaseBackup.copy(source, to: backupPath)
                    #expect(copy.path == backupPath && copy.bytes > 0)
                    // The burst goes on after the copy too, so the copy was taken in its midst.
                    let afterCopy = committed.withLockedValue { $0.count }
                    while let count = await iterator.next(), count < afterCopy + 20 {}
                    stop.withLockedValue { $0 = true }
                    try await group.waitForAll()
                    report.finish()
                }
                committedInAll.withLockedValue { $0 = Set(committed.withLockedValue { $0 }) }
            }
        }

        let before = committedBeforeBackup.withLockedValue { $0 }
        let all = committedInAll.withLockedValue { $0 }
        let (org, pool) = try #require(setup.withLockedValue { $0 })
        // A working server on the copy: migrations find nothing to do, the token works, the pool is whole.
        try await Backend.withDatabase(.sqliteFile(backupPath)) { copy in
            let integrity = try await copy.read { session in
                try await session.rows("PRAGMA integrity_check") { try $0.decode(column: "integrity_check", as: String.self) }
            }
            #expect(integrity == ["ok"])
            try await TestServer.run(database: copy, backend: .sqlite) { server in
                let list = try await server.list(org, pool)
                #expect(list.status == .ok, "\(list.json)")
                guard case .array(let seats) = list["seats"] else { throw TestFailure("no seats in \(list.json)") }
                let ids = Set(seats.compactMap { $0["id"]?.stringValue })
                #expect(before.isSubset(of: ids), "missing: \(before.subtracting(ids))")
                #expect(ids.isSubset(of: all))
                // Each assign's seat row and its pool's count were copied together.
                let counts = try await server.activeSeatCounts(pool, organizationId: org.id)
                #expect(counts.kept == ids.count && counts.rows == ids.count)
                let next = try await server.assign(org, pool, ["email": "after-restore@example.com"])
                #expect(next.status == .ok, "\(next.json)")
            }
        }
    }

    @Test func aBackupNeverOverwritesAFile() async throws {
        try await Backend.sqlite.withFreshDatabase { _, location in
            let existing = Self.freshPath("existing")
            defer { Self.remove(existing) }
            try Data("keep me".utf8).write(to: URL(fileURLWithPath: existing))
            await #expect(throws: DatabaseBackupError.destinationExists(existing)) {
                try await DatabaseBackup.copy(location, to: existing)
            }
            #expect(try String(contentsOfFile: existing, encoding: .utf8) == "keep me")
            // No partial copy is left beside it.
            let folder = URL(fileURLWithPath: existing).deletingLastPathComponent().path
            let name = URL(fileURLWithPath: existing).lastPathComponent
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasPrefix(name) } == [name])
        }
    }

    @Test func aMissingDatabaseIsAnErrorAndIsNotCreated() async throws {
        let missing = Self.freshPath("missing")
        let backup = Self.freshPath("backup")
        await #expect(throws: DatabaseBackupError.noDatabase(missing)) {
            try await DatabaseBackup.copy(.sqliteFile(missing), to: backup)
        }
        #expect(!FileManager.default.fileExists(atPath: missing))
        #expect(!FileManager.default.fileExists(atPath: backup))
    }

    @Test func postgreSQLIsToldToUsePgDumpWithoutItsPassword() async throws {
        let location = try DatabaseLocation(url: "postgres://tessera:s3cret@db.internal:5433/seats")
        let error = await #expect(throws: DatabaseBackupError.self) {
            try await DatabaseBackup.copy(location, to: "seats.dump")
        }
        let message = "\(try #require(error))"
        #expect(message.contains(
            "pg_dump --format=custom --host=db.internal --port=5433 --username=tessera --file=seats.dump seats"))
        #expect(!message.contains("s3cret"))
        #expect(!FileManager.default.fileExists(atPath: "seats.dump"))
    }
}
