import Foundation
import SQLKit
import Testing
import TesseraCore
import TesseraStore

/// Stored values the code does not know are an error, never quietly some default.
@Suite struct StoreDecodingTests {
    @Test(arguments: Backend.all)
    func anUnknownStoredStatusThrowsInsteadOfReadingAsADefault(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 2)
            let seat = try await server.assign(org, pool, ["email": "ada@example.com"])
            let id = try #require(UUID(uuidString: seat.id))
            let organizationId = try #require(UUID(uuidString: org.id))
            #expect(try await server.database.withConnection { try await $0.seats.find(id: id, organizationId: organizationId) }
                    != nil)
            try await server.database.withConnection {
                try await $0.execute("UPDATE seats SET status = 'borrowed' WHERE id = \(bind: seat.id)")
            }
            await #expect(throws: DatabaseError.self) {
                _ = try await server.database.withConnection { try await $0.seats.find(id: id, organizationId: organizationId) }
            }
        }
    }
}
