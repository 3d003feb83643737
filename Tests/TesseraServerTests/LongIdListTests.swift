import Foundation
import Testing
import TesseraCore
import TesseraStore
@testable import TesseraServer

/// Reads by a list of ids ask for it in parts: a statement takes at most 65,535 parameters on
/// PostgreSQL (250,000 in sqlite-nio's SQLite), and some lists are longer (the seats of a revoked
/// pool). Each test asks with more ids than PostgreSQL takes in one statement, a few of them real;
/// on SQLite the answer must be the same. A deleted customer's seats are read without a list.
@Suite struct LongIdListTests {
    /// Ids of nothing, more than one PostgreSQL statement takes.
    static let absentIds = (0..<70_000).map { _ in UUID() }

    /// Three seats assigned in one pool (legacy mode), created at `createdAt` (set here: the test
    /// clock stands still), read back with their holders.
    static func threeSeats(_ server: TestServer, createdAt: [Int]) async throws -> (pool: TestPool, seats: [SeatDetails]) {
        let org = try await server.makeOrganization()
        let pool = try await server.makeSubscription(org, seats: 3)
        var ids: [UUID] = []
        for email in ["a@example.com", "b@example.com", "c@example.com"] {
            ids.append(try #require(UUID(uuidString: try await server.assign(org, pool, ["email": .string(email)]).id)))
        }
        try await server.database.transaction { tx in
            for (id, time) in zip(ids, createdAt) {
                try await tx.execute("UPDATE seats SET created_at = \(bind: time) WHERE id = \(bind: id.wire)")
            }
        }
        var seats: [SeatDetails] = []
        for id in ids {
            seats.append(try #require(try await server.database.read { try await $0.seats.details(id: id) }))
        }
        return (pool, seats)
    }

    @Test(arguments: Backend.all)
    func seatsByIdComeBackOldestFirst(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            // Created in the opposite order to the assignments: the answer follows creation.
            let seatIds = try await Self.threeSeats(server, createdAt: [3_000, 2_000, 1_000]).seats.map(\.seat.id)
            let asked = [seatIds[1]] + Self.absentIds + [seatIds[0], seatIds[2]]
            let found = try await server.database.read { try await $0.seats.details(ids: asked) }
            #expect(found.map(\.seat.id) == seatIds.reversed())
            #expect(found.allSatisfy { $0.member != nil })
        }
    }

    /// What deleting a customer revokes is read without listing its members (a customer may have
    /// more than a statement takes): the seats whose holder's customer it is, and those held by its
    /// members. In legacy mode each holder is a customer of its own and a member of the pool's
    /// customer.
    @Test(arguments: Backend.all)
    func aCustomersSeatsAreReadWithItsMembers(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let (pool, seats) = try await Self.threeSeats(server, createdAt: [1_000, 2_000, 3_000])
            let billing = try #require(UUID(uuidString: pool.customerId))
            let holder = try #require(seats[1].seat.holder?.customerId)
            let (ofBilling, ofHolder) = try await server.database.read { session in
                (try await session.seats.activeSeats(heldByCustomerOrItsMembers: billing),
                 try await session.seats.activeSeats(heldByCustomerOrItsMembers: holder))
            }
            #expect(ofBilling.map(\.id) == seats.map(\.seat.id))
            #expect(ofHolder.map(\.id) == [seats[1].seat.id])
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
