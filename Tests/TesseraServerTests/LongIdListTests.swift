import Foundation
import Testing
import TesseraCore
import TesseraStore
@testable import TesseraServer

/// Reads by a list of ids ask for it in parts: a statement takes at most 65,535 parameters on
/// PostgreSQL (250,000 in sqlite-nio's SQLite), and some lists are longer (the seats of a revoked
/// pool, the members of a deleted customer). Each test asks with more ids than PostgreSQL takes in
/// one statement, a few of them real; on SQLite the answer must be the same.
@Suite struct LongIdListTests {
    /// Ids of nothing, more than one PostgreSQL statement takes.
    static let absentIds = (0..<70_000).map { _ in UUID() }

    @Test(arguments: Backend.all)
    func seatsByIdComeBackOldestFirst(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 3)
            var seatIds: [UUID] = []
            for email in ["a@example.com", "b@example.com", "c@example.com"] {
                seatIds.append(try #require(UUID(uuidString: try await server.assign(org, pool, ["email": .string(email)]).id)))
            }
            // Created (the test clock stands still: set here) in the opposite order to the
            // assignments: the answer follows creation.
            try await server.database.transaction { tx in
                for (index, id) in seatIds.enumerated() {
                    try await tx.execute("UPDATE seats SET created_at = \(bind: 1_000 * (3 - index)) WHERE id = \(bind: id.wire)")
                }
            }
            let asked = ([seatIds[1]] + Self.absentIds + [seatIds[0], seatIds[2]])
            let found = try await server.database.read { try await $0.seats.details(ids: asked) }
            #expect(found.map(\.seat.id) == seatIds.reversed())
            #expect(found.allSatisfy { $0.member != nil })
        }
    }

    /// A customer's own seats and those of members named anywhere in the list, each once.
    @Test(arguments: Backend.all)
    func activeSeatsOfACustomerAndOfManyMembers(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 3)
            var seats: [SeatDetails] = []
            for email in ["first@example.com", "second@example.com", "third@example.com"] {
                let id = try #require(UUID(uuidString: try await server.assign(org, pool, ["email": .string(email)]).id))
                seats.append(try #require(try await server.database.read { try await $0.seats.details(id: id) }))
            }
            let holders = seats.compactMap(\.seat.holder)
            try #require(holders.count == 3)
            // The test clock stands still: creation times set apart, so that the order is theirs.
            try await server.database.transaction { tx in
                for (index, seat) in seats.enumerated() {
                    try await tx.execute("UPDATE seats SET created_at = \(bind: 1_000 * (index + 1)) WHERE id = \(bind: seat.seat.id.wire)")
                }
            }
            let found = try await server.database.read {
                try await $0.seats.activeSeats(customerId: holders[0].customerId,
                                               memberIds: [holders[0].memberId] + Self.absentIds + [holders[2].memberId])
            }
            #expect(found.map(\.id) == [seats[0].seat.id, seats[2].seat.id])
        }
    }

    @Test(arguments: Backend.all)
    func customersAndBenefitsByManyIds(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 1)
            let benefitId = try await BenefitGrantTests.addBenefit(server, org, to: pool)
            let customer = try #require(UUID(uuidString: pool.customerId)), benefit = try #require(UUID(uuidString: benefitId))
            let (customers, benefits) = try await server.database.read { session in
                (try await session.customers.findIncludingDeleted(ids: Set(Self.absentIds + [customer])),
                 try await session.benefits.findIncludingDeleted(ids: Set(Self.absentIds + [benefit])))
            }
            #expect(Array(customers.keys) == [customer])
            #expect(Array(benefits.keys) == [benefit])
        }
    }

    @Test func partsOfAList() {
        #expect(SQLSession.parts(of: [Int]()).isEmpty)
        #expect(SQLSession.parts(of: [1, 2, 3, 4, 5], perStatement: 2) == [[1, 2], [3, 4], [5]])
        #expect(SQLSession.parts(of: [1, 2], perStatement: 2) == [[1, 2]])
        #expect(SQLSession.parts(of: Self.absentIds).map(\.count).max() == SQLSession.idsPerStatement)
        #expect(SQLSession.parts(of: Self.absentIds).flatMap { $0 } == Self.absentIds)
    }
}
