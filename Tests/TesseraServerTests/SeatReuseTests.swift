import Foundation
import Testing
import TesseraCore
import TesseraStore

/// A reused seat row records when its new holder got it (the portal's "Assigned" column).
@Suite struct SeatReuseTests {
    @Test(arguments: Backend.all)
    func aReusedSeatGetsANewAssignmentTime(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 1)
            let first = try await server.assign(org, pool, ["email": "first@example.com"])
            _ = try await server.request(.delete, "/v1/customer-seats/\(first.id)", token: org.token)
            server.clock.advance(by: 2 * 86_400)
            let second = try await server.assign(org, pool, ["email": "second@example.com"])
            #expect(second.id == first.id)
            let seatId = try #require(UUID(uuidString: second.id))
            let organizationId = try #require(UUID(uuidString: org.id))
            let stored = try await server.database.withConnection {
                try await $0.seats.find(id: seatId, organizationId: organizationId)
            }
            #expect(stored?.assignedAt.map(Timestamp.micros) == Timestamp.micros(server.clock.now))
            #expect(stored?.createdAt != stored?.assignedAt)
        }
    }
}
