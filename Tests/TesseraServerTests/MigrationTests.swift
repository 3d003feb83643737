import Foundation
import Logging
import NIOConcurrencyHelpers
import Testing
import TesseraCore
@testable import TesseraStore

/// Migrations bring a database from the version it is at to the latest in one transaction:
/// a failing migration leaves it where it was, with none of the ones before it applied.
@Suite struct MigrationTests {
    /// Counts the transactions that ended, and how.
    private final class TransactionLog: DatabaseObserver {
        private let ended = NIOLockedValueBox<[Bool]>([])
        var outcomes: [Bool] { ended.withLockedValue { $0 } }
        func connectionLeased(after wait: Duration, for access: DatabaseAccess) {}
        func transactionEnded(after duration: Duration, committed: Bool) { ended.withLockedValue { $0.append(committed) } }
    }

    /// Runs `body` on a fresh database that nothing has migrated, then removes it.
    private func withUnmigratedDatabase(_ backend: Backend, observer: (any DatabaseObserver)? = nil,
                                        logger: Logger = Logger(label: "tessera-test"),
                                        _ body: (TesseraDatabase) async throws -> Void) async throws {
        let location = try await backend.freshLocation()
        do {
            try await TesseraDatabase.withDatabase(location, connections: 2, fixedPool: false,
                                                   logger: logger, observer: observer, body)
            await Backend.drop(location)
        } catch {
            await Backend.drop(location)
            throw error
        }
    }

    @Test(arguments: Backend.all)
    func aFreshDatabaseIsMigratedInOneTransaction(backend: Backend) async throws {
        let log = TransactionLog()
        try await withUnmigratedDatabase(backend, observer: log) { database in
            let applied = try await Migrations.migrate(database)
            #expect(applied == Migrations.all.map(\.version))
            #expect(log.outcomes == [true])
            let recorded = try await database.read { session in
                try await session.rows("SELECT version FROM tessera_migrations ORDER BY version") { try $0.int("version") }
            }
            #expect(recorded == Migrations.all.map(\.version))
        }
    }

    /// The second of two pending migrations fails: the first, applied in the same transaction,
    /// is undone with it, and neither is recorded; once fixed, both apply.
    @Test(arguments: Backend.all)
    func aFailingMigrationLeavesTheDatabaseAtTheVersionItWas(backend: Backend) async throws {
        try await withUnmigratedDatabase(backend) { database in
            let first = Migrations.Migration(version: 1, name: "probe table", statements: [
                "CREATE TABLE migration_probe (id INTEGER PRIMARY KEY)",
            ])
            let broken = Migrations.Migration(version: 2, name: "broken", statements: [
                "INSERT INTO migration_probe (id) VALUES (1)",
                "INSERT INTO no_such_table (id) VALUES (1)",
            ])
            await #expect(throws: (any Error).self) { try await Migrations.migrate(database, migrations: [first, broken]) }
            let tables = try await database.read { session in
                try await session.rows(session.dialect == .postgres
                    ? "SELECT tablename AS name FROM pg_tables WHERE tablename = 'migration_probe'"
                    : "SELECT name FROM sqlite_master WHERE name = 'migration_probe'") { try $0.string("name") }
            }
            #expect(tables.isEmpty, "the first migration was undone with the second")
            let recorded = try await database.read { try await $0.rows("SELECT version FROM tessera_migrations") { try $0.int("version") } }
            #expect(recorded.isEmpty)

            let fixed = Migrations.Migration(version: 2, name: "fixed", statements: ["INSERT INTO migration_probe (id) VALUES (1)"])
            #expect(try await Migrations.migrate(database, migrations: [first, fixed]) == [1, 2])
            #expect(try await Migrations.migrate(database, migrations: [first, fixed]).isEmpty)
        }
    }

    /// A database a newer release migrated, opened by this one (a binary rolled back): it starts,
    /// since migrations only add, but warns that the schema is newer, and says which version it is.
    @Test(arguments: Backend.all)
    func aSchemaNewerThanThisReleaseIsWarnedOfNotRefused(backend: Backend) async throws {
        let logs = CollectedLogs()
        try await withUnmigratedDatabase(backend, logger: logs.logger) { database in
            try await Migrations.migrate(database)
            #expect(!logs.lines.contains { $0.level >= .warning })
            let newer = Migrations.latestVersion + 1
            try await database.withConnection { session in
                try await session.execute("""
                    INSERT INTO tessera_migrations (version, name, applied_at) VALUES (\(bind: newer), 'from a newer release', 0)
                    """)
            }
            #expect(try await Migrations.migrate(database).isEmpty)
            #expect(try await Migrations.recordedVersion(database) == newer)
            let warnings = logs.lines.filter { $0.level >= .warning }
            #expect(warnings.map(\.message) == ["database schema is newer than this release"])
            #expect(warnings.first?.metadata["database_version"] == "\(newer)")
            #expect(warnings.first?.metadata["release_version"] == "\(Migrations.latestVersion)")
        }
    }
}
