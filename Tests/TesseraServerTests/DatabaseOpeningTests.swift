import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Testing
import TesseraCore
@testable import TesseraStore

/// A database that cannot be opened says which and why. PostgreSQL: one connection is made first
/// (`PostgresStartupCheck`): a server that does not answer is waited for up to the given time,
/// with one warning, and then named with the cause; a refusal that waiting cannot mend fails at
/// once, in PostgreSQL's words; the password never shows. SQLite: a file that cannot be opened,
/// or is not a database, is named.
@Suite struct DatabaseOpeningTests {
    @Test func aServerThatDoesNotAnswerIsNamedWithTheCauseAndNeverThePassword() async throws {
        let port = try await Self.portWithNothingListening()
        let logs = CollectedLogs()
        let location = DatabaseLocation.postgres(host: "127.0.0.1", port: port, username: "tessera",
                                                 password: "secret-password-x", database: "tessera")
        let error = await #expect(throws: DatabaseError.self) {
            _ = try await TesseraDatabase.open(location, logger: logs.logger, postgresWait: .zero)
        }
        let message = "\(error.map { $0 as any Error } ?? DatabaseError.unavailable)"
        // The cause is what the network said: "connection refused" (or, on a machine too busy to
        // see that in time, the attempt timing out).
        let prefix = "Could not reach PostgreSQL at 127.0.0.1:\(port)/tessera as tessera within 0 s: "
        #expect(message.hasPrefix(prefix) && message.count > prefix.count, "\(message)")
        #expect(!message.contains("secret-password-x"))
        #expect(!logs.lines.contains { $0.level >= .warning }, "no wait, so nothing to warn of")
    }

    /// Given time, a server that does not answer is tried again (the warning says so, once) until
    /// the time is up; here until the caller gives up first.
    @Test func aServerThatDoesNotAnswerIsTriedAgainWithOneWarning() async throws {
        let port = try await Self.portWithNothingListening()
        let logs = CollectedLogs()
        let location = DatabaseLocation.postgres(host: "127.0.0.1", port: port, username: "tessera",
                                                 password: "secret-password-x", database: "tessera")
        let opening = Task { try await TesseraDatabase.open(location, logger: logs.logger, postgresWait: .seconds(600)) }
        // Bounded only so that a broken build does not hang the suite.
        for _ in 0..<6000 where !logs.lines.contains(where: { $0.message == "waiting for PostgreSQL" }) {
            try await Task.sleep(for: .milliseconds(10))
        }
        // Several attempts' time (twice a second) before giving up: still one warning.
        try await Task.sleep(for: .milliseconds(1200))
        opening.cancel()
        await #expect(throws: (any Error).self) { _ = try await opening.value }
        let warnings = logs.lines.filter { $0.level >= .warning }
        #expect(warnings.map(\.message) == ["waiting for PostgreSQL"], "\(warnings.map(\.text))")
        #expect(warnings.first?.metadata["database"] == "127.0.0.1:\(port)/tessera as tessera")
        #expect(!logs.lines.contains { $0.text.contains("secret-password-x") })
    }

    /// `serve` opens its pool right after migrating on the same server: no first connection then.
    @Test func noWaitGivenMakesNoFirstConnection() async throws {
        let port = try await Self.portWithNothingListening()
        let logs = CollectedLogs()
        let database = try await TesseraDatabase.open(
            .postgres(host: "127.0.0.1", port: port, username: "u", password: nil, database: "d"),
            logger: logs.logger, postgresWait: nil)
        #expect(database.dialect == .postgres)
        #expect(!logs.lines.contains { $0.level >= .warning })
    }

    /// A wrong user or database is not worth waiting for: the default wait (30 s) is not used,
    /// and nothing warns of waiting.
    @Test func aWrongUserOrDatabaseFailsAtOnceInPostgreSQLsWords() async throws {
        guard Backend.all.contains(.postgres) else { return }
        let url = ProcessInfo.processInfo.environment["TESSERA_TEST_POSTGRES_URL"] ?? ""
        guard case .postgres(let host, let port, let username, let password, _) = try DatabaseLocation(url: url) else {
            throw TestFailure("TESSERA_TEST_POSTGRES_URL is not a postgres:// URL")
        }
        let cases: [(DatabaseLocation, String)] = [
            (.postgres(host: host, port: port, username: "tessera_no_such_role", password: password, database: "postgres"),
             #"role "tessera_no_such_role" does not exist (SQLSTATE 28000)"#),
            (.postgres(host: host, port: port, username: username, password: password, database: "tessera_no_such_database"),
             #"database "tessera_no_such_database" does not exist (SQLSTATE 3D000)"#),
        ]
        for (location, words) in cases {
            let logs = CollectedLogs()
            let error = await #expect(throws: DatabaseError.self) {
                _ = try await TesseraDatabase.open(location, logger: logs.logger)
            }
            let message = "\(error.map { $0 as any Error } ?? DatabaseError.unavailable)"
            #expect(message.contains("refused the connection: \(words)"), "\(message)")
            #expect(!logs.lines.contains { $0.message == "waiting for PostgreSQL" })
        }
    }

    @Test func aSQLiteFileThatCannotBeOpenedOrIsNotADatabaseIsNamed() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-open-\(UUID().wire)")
        let missing = folder.appendingPathComponent("no-such-folder/seats.sqlite").path
        let opened = await #expect(throws: DatabaseError.self) {
            _ = try await TesseraDatabase.open(.sqliteFile(missing), logger: Logger(label: "tessera-test"))
        }
        #expect(opened == .cannotOpen(
            "Cannot open the SQLite database \(missing): unable to open database file (does its folder exist, and may this user write there?)"))

        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let text = folder.appendingPathComponent("notes.txt").path
        try Data(String(repeating: "not a database, only words. ", count: 40).utf8).write(to: URL(fileURLWithPath: text))
        let read = await #expect(throws: DatabaseError.self) {
            _ = try await TesseraDatabase.open(.sqliteFile(text), logger: Logger(label: "tessera-test"))
        }
        #expect(read == .cannotOpen("\(text) is not a SQLite database (file is not a database)"))
    }

    /// A PostgreSQL error that reaches the command line prints its SQLSTATE and message, not
    /// postgres-nio's fixed sentence.
    @Test func aPostgreSQLErrorPrintsItsStateAndMessage() async throws {
        guard Backend.all.contains(.postgres) else { return }
        _ = try await Backend.postgres.withFreshDatabase { database, _ in
            do {
                try await database.read { try await $0.execute("SELECT * FROM no_such_table") }
                Issue.record("the statement ran")
            } catch {
                #expect("\(error)".contains("Generic description"), "postgres-nio's own words, which say nothing")
                #expect("\(printableError(error))" == #"PostgreSQL 42P01: relation "no_such_table" does not exist"#)
            }
        }
        #expect("\(printableError(DatabaseError.busy))" == "\(DatabaseError.busy)")
    }

    private static func portWithNothingListening() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress?.port ?? 1
        try await channel.close()
        return port
    }
}
