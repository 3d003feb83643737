import Foundation
import Hummingbird
import Testing
import TesseraCore

/// The statements each seat operation runs (issue 11: published in BENCHMARKS.md, "Statements
/// per operation"), held here so that a change that adds one is noticed and the table kept true.
/// Counted around one request on a warm organization (its token used within the minute, no
/// webhook endpoints); `BEGIN` and `COMMIT` count. The token was read within the second, so
/// it is remembered (`RecentOrganizationTokens`): a token read afresh adds one statement.
@Suite struct StatementBudgetTests {
    /// An organization with a pool of 10 whose token was just used (its minute has started).
    private static func warmPool(_ server: TestServer) async throws -> (TestOrganization, TestPool) {
        let org = try await server.makeOrganization()
        let pool = try await server.makeSubscription(org, seats: 10)
        _ = try await server.assign(org, pool, ["email": "warm@example.com"])
        return (org, pool)
    }

    /// The statements and round trips of one request.
    private static func cost(_ server: TestServer, _ operation: () async throws -> TestResponse) async throws
        -> (statements: Int, roundTrips: Int)
    {
        let (statements, roundTrips) = (server.database.statementCount, server.database.roundTripCount)
        let response = try await operation()
        #expect(response.status == .ok, "\(response.json)")
        return (server.database.statementCount - statements, server.database.roundTripCount - roundTrips)
    }

    @Test(arguments: Backend.all)
    func eachSeatOperationRunsItsPublishedStatements(backend: Backend) async throws {
        // On PostgreSQL the writes a transaction makes after its last read go as one statement
        // (`HeldWrites`), so each operation below costs fewer round trips than statements; on
        // SQLite, which runs statements inline, one each.
        @Sendable func roundTrips(postgres: Int, statements: Int) -> Int { backend == .postgres ? postgres : statements }
        try await TestServer.run(backend) { server in
            let (org, pool) = try await Self.warmPool(server)

            // BEGIN; the pool (locked) with its organization, billing customer,
            // product name and webhook endpoints; the oldest revoked seat to reuse; the customer
            // and the member by email, in one statement (neither found); then, written together
            // on PostgreSQL: the customer, the member (new, so holding no seat: none is looked
            // for), the seat, the email queued, the history event, the pool's count; COMMIT.
            var seatId = ""
            let assign = try await Self.cost(server) {
                let response = try await server.assign(org, pool, ["email": "ada@example.com"])
                seatId = response.id
                return response
            }
            #expect(assign.statements == 11)
            #expect(assign.roundTrips == roundTrips(postgres: 6, statements: 11))

            let token = try #require(try await server.deliverInvitations(to: "ada@example.com").last)
            // The seat by the token's hash with its holder, its pool's product and organization.
            let info = try await Self.cost(server) { try await SeatSupport.claimInfo(server, token) }
            #expect(info.statements == 1 && info.roundTrips == 1)

            // BEGIN; the seat by the token's hash; the pool (locked) with its organization and
            // webhook endpoints; the seat read again under that lock; the product's benefits;
            // then together: the seat updated, the member session inserted, the history event;
            // COMMIT.
            let claim = try await Self.cost(server) { try await SeatSupport.claim(server, token) }
            #expect(claim.statements == 9)
            #expect(claim.roundTrips == roundTrips(postgres: 7, statements: 9))

            // The pool with its organization; its seats with their holders.
            let list = try await Self.cost(server) { try await server.list(org, pool) }
            #expect(list.statements == 2 && list.roundTrips == 2)

            // BEGIN; the seat; its pool (locked) with its organization and webhook
            // endpoints; the seat read again under that lock; the seat's grants revoked (which
            // answers them, so it is sent alone); then together: the seat updated, the history
            // event, the pool's count; COMMIT.
            let revoke = try await Self.cost(server) {
                try await server.request(.delete, "/v1/customer-seats/\(seatId)", token: org.token)
            }
            #expect(revoke.statements == 9)
            #expect(revoke.roundTrips == roundTrips(postgres: 7, statements: 9))

            // Assigning to someone known: BEGIN; the pool (locked, with the
            // endpoints); the oldest revoked seat (hers, reused); the customer and the member by
            // email, both found in one statement; an active seat of that member (none: revoked); then together:
            // the seat updated, the email queued, the history event, the pool's count; COMMIT.
            let again = try await Self.cost(server) {
                try await server.assign(org, pool, ["email": "ada@example.com"])
            }
            #expect(again.statements == 10)
            #expect(again.roundTrips == roundTrips(postgres: 7, statements: 10))
        }
    }

    /// A bulk assignment adds its seats to the pool's stored count in one update after its rows,
    /// not one per row: on PostgreSQL each update of the pool's row within one transaction leaves
    /// a version that every later update and key check walks, so 1,000 rows took 45 times as
    /// long as 100.
    @Test(arguments: Backend.all)
    func aBulkAssignmentUpdatesThePoolsCountOnce(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let (org, pool) = try await Self.warmPool(server)
            func bulk(_ emails: [String]) async throws -> (statements: Int, roundTrips: Int) {
                try await Self.cost(server) {
                    try await BulkAssignTests.bulk(server, org, pool, emails.map {
                        ["email": .string($0), "send_invitation": false]
                    })
                }
            }
            let one = try await bulk(["a1@example.com"])
            let four = try await bulk(["b1@example.com", "b2@example.com", "b3@example.com", "b4@example.com"])
            // Each row: SAVEPOINT; the customer and the member by email, in one statement
            // (neither found); the customer, the member, the seat and the history event inserted
            // (on PostgreSQL together, in one statement); RELEASE. Nothing of the pool's count, and only the
            // first row looks for a revoked seat to reuse: there is none, and assigning makes none.
            #expect(four.statements - one.statements == 3 * 7)
            #expect(four.roundTrips - one.roundTrips == 3 * (backend == .postgres ? 4 : 7))
            let counts = try await server.activeSeatCounts(pool, organizationId: org.id)
            #expect(counts.kept == 6 && counts.rows == 6)
        }
    }
}
