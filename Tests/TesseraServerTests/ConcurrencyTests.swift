import Foundation
import Testing
import TesseraCore
import TesseraStore

/// A pool is never over-assigned, whatever the concurrency.
@Suite struct ConcurrencyTests {
    /// Fires `count` assignments at once and returns their statuses.
    static func assignConcurrently(_ server: TestServer, _ org: TestOrganization, _ pool: TestPool, count: Int,
                                   prefix: String) async throws -> [Int] {
        try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<count {
                group.addTask {
                    let response = try await server.assign(org, pool, ["email": .string("\(prefix)\(index)@example.com")])
                    if response.status != .ok {
                        #expect(response.errorName == "SeatNotAvailable", "unexpected: \(response.json)")
                    }
                    return Int(response.status.code)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }

    @Test(arguments: Backend.all)
    func fiftyConcurrentAssignsOnFiveSeatsGiveExactlyFive(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 5)
            let statuses = try await Self.assignConcurrently(server, org, pool, count: 50, prefix: "person")
            #expect(statuses.filter { $0 == 200 }.count == 5)
            #expect(statuses.filter { $0 == 400 }.count == 45)
            let list = try await server.list(org, pool)
            #expect(list["seats"].map { if case .array(let seats) = $0 { seats.count } else { -1 } } == 5)
            #expect(list["available_seats"] == 0)
            let counts = try await server.activeSeatCounts(pool, organizationId: org.id)
            #expect(counts.kept == 5 && counts.rows == 5)
        }
    }

    /// Two server instances, each with its own connection pool, on one PostgreSQL.
    @Test func twoServersOnOnePostgreSQLNeverOverAssign() async throws {
        guard Backend.all.contains(.postgres) else { return }
        try await Backend.postgres.withFreshDatabase { first, location in
            try await Backend.withDatabase(location) { second in
                try await TestServer.run(database: first, backend: .postgres) { one in
                    try await TestServer.run(database: second, backend: .postgres) { two in
                        let org = try await one.makeOrganization()
                        let pool = try await one.makeSubscription(org, seats: 5)
                        async let fromOne = Self.assignConcurrently(one, org, pool, count: 25, prefix: "one")
                        async let fromTwo = Self.assignConcurrently(two, org, pool, count: 25, prefix: "two")
                        let statuses = try await fromOne + fromTwo
                        #expect(statuses.filter { $0 == 200 }.count == 5)
                        let counts = try await one.activeSeatCounts(pool, organizationId: org.id)
                        #expect(counts.kept == 5 && counts.rows == 5)
                    }
                }
            }
        }
    }

    @Test(arguments: Backend.all)
    func concurrentRevokeAndAssignKeepTheCountExact(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 3)
            var seatIds: [String] = []
            for index in 0..<3 {
                seatIds.append(try await server.assign(org, pool, ["email": .string("first\(index)@example.com")]).id)
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for id in seatIds {
                    group.addTask { _ = try await server.request(.delete, "/v1/customer-seats/\(id)", token: org.token) }
                    group.addTask { _ = try await server.request(.delete, "/v1/customer-seats/\(id)", token: org.token) }
                }
                for index in 0..<6 {
                    group.addTask { _ = try await server.assign(org, pool, ["email": .string("next\(index)@example.com")]) }
                }
                try await group.waitForAll()
            }
            let counts = try await server.activeSeatCounts(pool, organizationId: org.id)
            #expect(counts.kept == counts.rows)
            #expect(counts.rows <= 3)
        }
    }
}

/// What an operation costs must not grow with the size of the pool.
@Suite struct ScalingTests {
    /// Puts `count` claimed seats straight into the pool through the store.
    static func fill(_ server: TestServer, _ pool: TestPool, organizationId: String, count: Int) async throws {
        let poolId = try #require(UUID(uuidString: pool.id))
        let organization = try #require(UUID(uuidString: organizationId))
        let customer = try #require(UUID(uuidString: pool.customerId))
        try await server.database.transaction { tx in
            for _ in 0..<count {
                let (seat, _) = Seat.assigning(
                    reusing: nil, id: UUID(), pool: .subscription(poolId), organizationId: organization,
                    holder: SeatHolder(customerId: customer, memberId: UUID(), email: nil), metadata: [:],
                    immediateClaim: true, now: Date())
                try await tx.seats.insert(seat)
            }
            try await tx.seats.adjustActiveSeats(.subscription(poolId), by: count)
        }
    }

    /// Statements run by one call of `operation`.
    static func statements(_ server: TestServer, _ operation: () async throws -> TestResponse) async throws -> Int {
        let before = server.database.statementCount
        let response = try await operation()
        #expect(response.status == .ok, "\(response.json)")
        return server.database.statementCount - before
    }

    @Test(arguments: Backend.all)
    func listingAThousandSeatsCostsTheSameQueriesAsOne(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let small = try await server.makeSubscription(org, seats: 2000)
            let large = try await server.makeSubscription(org, seats: 2000)
            try await Self.fill(server, small, organizationId: org.id, count: 1)
            try await Self.fill(server, large, organizationId: org.id, count: 1000)
            let smallCost = try await Self.statements(server) { try await server.list(org, small) }
            let largeCost = try await Self.statements(server) { try await server.list(org, large) }
            #expect(smallCost == largeCost)
            // 700 KB of text, written through a 64 KB buffer: every seat arrives, once, in order.
            let list = try await server.list(org, large)
            #expect(list["available_seats"] == 1000)
            let ids = list["seats"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
            let stored = try await server.database.read { session in
                try await session.rows("SELECT id FROM seats WHERE subscription_id = \(bind: large.id) ORDER BY created_at, id")
                    .map { try $0.decode(column: "id", as: String.self) }
            }
            #expect(ids.count == 1000 && ids == stored)
        }
    }

    @Test(arguments: Backend.all)
    func assigningCostsTheSameInAFullerPool(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let small = try await server.makeSubscription(org, seats: 2000)
            let large = try await server.makeSubscription(org, seats: 2000)
            try await Self.fill(server, large, organizationId: org.id, count: 1000)
            // Warm up both pools so the recipient (customer and member) already exists in each case.
            _ = try await server.assign(org, small, ["email": "warm@example.com"])
            _ = try await server.assign(org, large, ["email": "warm@example.com"])
            let smallCost = try await Self.statements(server) { try await server.assign(org, small, ["email": "a@example.com"]) }
            let largeCost = try await Self.statements(server) { try await server.assign(org, large, ["email": "b@example.com"]) }
            #expect(smallCost == largeCost)
            let counts = try await server.activeSeatCounts(large, organizationId: org.id)
            #expect(counts.kept == 1002 && counts.rows == 1002)
        }
    }

    /// Claim info reads the seat with its holder and its pool's organization and product in one
    /// statement, on either database.
    @Test(arguments: Backend.all)
    func claimInfoIsOneStatement(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let (_, _, token) = try await PageTests.invitation(server, org, email: "kim@example.com")
            let cost = try await Self.statements(server) { try await server.request(.get, "/v1/customer-seats/claim/\(token)") }
            #expect(cost == 1)
            let info = try await server.request(.get, "/v1/customer-seats/claim/\(token)")
            #expect(info.json["customer_email"] == "kim@example.com")
            #expect(info.json["organization_slug"] == .string(org.slug))
        }
    }
}
