import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import TesseraCore
@testable import TesseraServer
@testable import TesseraStore

/// A full disk refuses writes: the request is answered 503 with nothing changed, never a 500;
/// reads go on; the operator is told once, as an error, however many writes fail; and once
/// there is room again the same write succeeds.
@Suite struct StorageFullTests {
    @Test func aWriteOnAFullSQLiteDiskIsAnswered503AndSucceedsOnceThereIsRoom() async throws {
        let logs = CollectedLogs()
        try await Backend.sqlite.withFreshDatabase { _, location in
            try await Backend.withDatabase(location, logger: logs.logger) { database in
                try await TestServer.run(database: database, backend: .sqlite) { server in
                    let org = try await server.makeOrganization()
                    let kept = try await server.makeCustomer(org)
                    // As a full disk would: the writer may not grow the file past its size now.
                    try await database.withConnection { session in
                        let pages = try await session.first("PRAGMA page_count")?.int("page_count") ?? 0
                        try await session.execute("PRAGMA max_page_count = \(unsafeRaw: String(pages))")
                    }
                    // Pages freed inside the file can still take a few rows; the file must grow soon.
                    var refusals: [TestResponse] = []
                    var created = 0
                    for index in 0..<400 where refusals.count < 2 {
                        let response = try await server.request(.post, "/v1/customers/", token: org.token,
                                                                json: ["email": .string("full-\(index)@example.com")])
                        if response.status == .created { created += 1 } else { refusals.append(response) }
                    }
                    try #require(refusals.count == 2, "the disk never filled")
                    for refused in refusals {
                        #expect(refused.status == .serviceUnavailable, "\(refused.json)")
                        #expect(refused.errorName == "ServiceUnavailable")
                        #expect(refused.headers[.retryAfter] == String(ErrorMiddleware.storageFullRetryAfterSeconds))
                    }
                    // Nothing of a refused write was kept.
                    let stored = try await database.read {
                        try await $0.first("SELECT count(*) AS n FROM customers WHERE email LIKE 'full-%'")?.int("n")
                    }
                    #expect(stored == created)
                    // Reads go on.
                    let read = try await server.request(.get, "/v1/customers/\(kept.id)", token: org.token)
                    #expect(read.status == .ok)

                    try await database.withConnection { try await $0.execute("PRAGMA max_page_count = 1073741823") }
                    let retried = try await server.request(.post, "/v1/customers/", token: org.token,
                                                           json: ["email": "full-after@example.com"])
                    #expect(retried.status == .created, "\(retried.json)")
                }
            }
        }
        // Two refusals, one line: the second came within the minute; and one when writes work again.
        let errors = logs.lines.filter { $0.level == .error }
        #expect(errors.map(\.message) == ["database storage full: writes are refused until space is freed"],
                "\(errors.map(\.text))")
        let recovered = logs.lines.filter { $0.message == "database storage no longer full" }
        #expect(recovered.map(\.metadata["failed_rounds"]) == ["2"])
    }

    /// PostgreSQL's `disk_full` (`53100`) is the same error, logged the same way.
    @Test func postgreSQLsDiskFullIsTheSameError() async throws {
        guard Backend.all.contains(.postgres) else { return }
        let logs = CollectedLogs()
        _ = try await Backend.postgres.withFreshDatabase(logger: logs.logger) { database, _ in
            await #expect(throws: DatabaseError.storageFull) {
                try await database.transaction { tx in
                    try await tx.execute("DO $$ BEGIN RAISE EXCEPTION 'could not extend file' USING ERRCODE = '53100'; END $$")
                }
            }
        }
        #expect(logs.lines.contains { $0.level == .error && $0.message.hasPrefix("database storage full") })
    }

    /// The pages say so with the same status; a bulk assignment fails whole, since every row
    /// would meet the same full disk.
    @Test func aFullDiskIsAnswered503OnThePagesAndFailsABulkAssignmentWhole() {
        #expect(PageErrorMessage(DatabaseError.storageFull)?.status == .serviceUnavailable)
        #expect(!SeatOperations.isRowFailure(DatabaseError.storageFull))
        #expect(ErrorMiddleware.answer(for: DatabaseError.storageFull)?.0 == .serviceUnavailable)
    }
}
