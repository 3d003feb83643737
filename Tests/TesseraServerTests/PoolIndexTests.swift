import Foundation
import SQLKit
import Testing
import TesseraCore
@testable import TesseraStore

/// The indexes keyed by a column that is often NULL hold no entry for such rows (migration 21):
/// a subscription's seat is in none of the order indexes and the reverse, since every index an
/// insert touches is one more page its commit writes. The queries still read them.
@Suite struct PoolIndexTests {
    /// Each index and the column whose NULLs it leaves out.
    static let partialIndexes: [(index: String, column: String)] = [
        ("seats_subscription_member", "subscription_id"), ("seats_subscription_list", "subscription_id"),
        ("seats_subscription", "subscription_id"), ("seats_order_member", "order_id"),
        ("seats_order_list", "order_id"), ("seats_order", "order_id"), ("seats_customer", "customer_id"),
        ("seats_member", "member_id"), ("members_organization_external_id", "external_id"),
    ]

    @Test(arguments: Backend.all)
    func indexesLeaveOutTheRowsTheirColumnIsNullFor(backend: Backend) async throws {
        try await backend.withFreshDatabase { database, _ in
            for (index, column) in Self.partialIndexes {
                let definition = try await database.read { session in
                    backend == .sqlite
                        ? try await session.rows("SELECT sql AS definition FROM sqlite_master WHERE type = 'index' AND name = \(bind: index)")
                        : try await session.rows("SELECT indexdef AS definition FROM pg_indexes WHERE indexname = \(bind: index)")
                }.first.map { try $0.string("definition") }
                // PostgreSQL writes the predicate back in parentheses: `WHERE ((order_id IS NOT NULL) AND …)`.
                #expect(definition?.contains("\(column) IS NOT NULL") == true, "\(index): \(definition ?? "missing")")
            }
        }
    }

    /// A pool's list and its oldest revoked seat are read from the pool kind's own indexes,
    /// whose predicate the query's `column = ?` satisfies. PostgreSQL is asked with sequential
    /// scans off, so that its planner shows which index it can use on an empty table.
    @Test(arguments: Backend.all)
    func aPoolsQueriesReadThePartialIndexesOfItsKind(backend: Backend) async throws {
        try await backend.withFreshDatabase { database, _ in
            for pool in [SeatPoolReference.subscription(UUID()), .order(UUID())] {
                let kind = pool.subscriptionId == nil ? "order" : "subscription"
                for (query, index) in [(SeatStore.detailsQuery(in: pool, billingCustomerId: UUID()), "seats_\(kind)_list"),
                                       (SeatStore.firstRevokedQuery(in: pool), "seats_\(kind) ")] {
                    let plan = try await database.transaction { session in
                        if backend == .sqlite {
                            return try await session.rows("EXPLAIN QUERY PLAN " + query).map { try $0.string("detail") }
                        }
                        try await session.execute("SET LOCAL enable_seqscan = off")
                        return try await session.rows("EXPLAIN " + query).map { try $0.string("QUERY PLAN") }
                    }.joined(separator: "\n") + " "
                    #expect(plan.contains(index), "\(plan)")
                }
            }
        }
    }

    /// A pool's list looks for its holders among its billing customer's live members, by an
    /// index on the customer: joined by member id alone, PostgreSQL's planner read every member
    /// of the database to list one pool (here 3,000 of another customer beside the pool's 100).
    @Test(.enabled(if: Backend.all.contains(.postgres)))
    func aPoolsListReadsOnlyItsCustomersMembersOnPostgres() async throws {
        try await TestServer.run(.postgres) { server in
            let org = try await server.makeOrganization(memberModel: true)
            let pool = try await server.makeSubscription(org, seats: 200)
            let other = try await server.makeSubscription(org, seats: 1)
            try await server.database.transaction { tx in
                try await tx.execute("""
                    INSERT INTO members (id, organization_id, customer_id, email, email_key, role, created_at)
                    SELECT gen_random_uuid()::text, \(bind: org.id),
                           CASE WHEN i <= 100 THEN \(bind: pool.customerId) ELSE \(bind: other.customerId) END,
                           'm' || i || '@example.com', 'm' || i || '@example.com', 'member', i
                    FROM generate_series(1, 3100) AS i
                    """)
                try await tx.execute("""
                    INSERT INTO seats (id, organization_id, subscription_id, status, customer_id, member_id, email,
                                       metadata, created_at)
                    SELECT gen_random_uuid()::text, organization_id, \(bind: pool.id), 'claimed', customer_id, id, email,
                           '{}', created_at
                    FROM members WHERE customer_id = \(bind: pool.customerId)
                    """)
            }
            try await server.database.transaction { tx in
                try await tx.execute("ANALYZE members")
                try await tx.execute("ANALYZE seats")
            }
            let reference = SeatPoolReference.subscription(try #require(UUID(uuidString: pool.id)))
            let customer = try #require(UUID(uuidString: pool.customerId))
            for query in [SeatStore.detailsQuery(in: reference, billingCustomerId: customer),
                          SeatStore.pageQuery(in: reference, billingCustomerId: customer, status: nil, limit: 500, after: nil)] {
                let plan = try await server.database.read { session in
                    try await session.rows("EXPLAIN " + query).map { try $0.string("QUERY PLAN") }
                }.joined(separator: "\n")
                #expect(!plan.contains("Seq Scan on members"), "\(plan)")
            }
            let listed = try await server.list(org, pool)["seats"]?.arrayValue ?? []
            #expect(listed.count == 100)
            #expect(listed.allSatisfy { $0["member"]?["customer_id"]?.stringValue == pool.customerId })
        }
    }
}
