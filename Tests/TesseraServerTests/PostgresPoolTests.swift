import Foundation
import Logging
import Testing
@testable import TesseraStore

/// PostgreSQL: the server's pool is a fixed set of connections, kept open, with no keep-alive,
/// so that returning a connection arms no timer (see `TesseraDatabase.postgresPoolOptions`).
@Suite(.enabled(if: Backend.all.contains(.postgres))) struct PostgresPoolTests {
    @Test func thePoolOpensAllItsConnectionsAndKeepsThem() async throws {
        let location = try await Backend.postgres.freshLocation()
        do {
            try await countConnections(of: location)
        } catch {
            await Backend.drop(location)
            throw error
        }
        await Backend.drop(location)
    }

    private func countConnections(of location: DatabaseLocation) async throws {
        try await TesseraDatabase.withDatabase(location, connections: 3, logger: Logger(label: "tessera-test")) { database in
            // On demand, one session at a time would need one connection. Only client
            // connections count: an autovacuum worker on this database shows there too.
            func open() async throws -> Int {
                try await database.withConnection { session in
                    let row = try #require(try await session.first("""
                        SELECT count(*) AS n FROM pg_stat_activity
                        WHERE datname = current_database() AND backend_type = 'client backend'
                        """))
                    return try row.int("n")
                }
            }
            // The pool opens its connections in the background: wait for them, with a bound
            // that only stops a hung test.
            var count = try await open()
            for _ in 0..<400 where count < 3 {
                try await Task.sleep(for: .milliseconds(25))
                count = try await open()
            }
            #expect(count == 3)
            for _ in 0..<20 { _ = try await open() }
            #expect(try await open() == 3)
        }
    }

    @Test func everyConnectionIsAMinimumOneAndNoneIsKeptAliveByQueries() {
        let options = TesseraDatabase.postgresPoolOptions(connections: 5)
        #expect(options.minimumConnections == 5)
        #expect(options.maximumConnections == 5)
        #expect(options.keepAliveBehavior == nil)
    }
}
