import Foundation
import Hummingbird
import SQLKit
import Testing
import TesseraCore
@testable import TesseraStore

/// Tessera's filters and paging of the seat list: `status`, `email` (a prefix, any case),
/// `limit` and `cursor`; without them the answer is exactly Polar's whole list.
@Suite struct SeatListPagingTests {
    static func page(_ server: TestServer, _ org: TestOrganization, _ pool: TestPool, _ query: String) async throws
        -> TestResponse
    {
        try await server.request(.get, "/v1/customer-seats?subscription_id=\(pool.id)\(query)", token: org.token)
    }

    static func emails(_ response: TestResponse) -> [String] {
        response["seats"]?.arrayValue?.compactMap { $0["customer_email"]?.stringValue } ?? []
    }

    @Test(arguments: Backend.all)
    func filtersAndPagesTheListAndWithoutThemChangesNothing(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization(memberModel: true)
            let pool = try await server.makeSubscription(org, seats: 10)
            for email in ["ann@example.com", "anna@example.com", "bo@example.com", "an_x@example.com"] {
                _ = try await server.assign(org, pool, ["email": .string(email)])
                server.clock.advance(by: 1)
            }
            let claimed = try await server.assign(org, pool, ["email": "cy@example.com", "immediate_claim": true])
            server.clock.advance(by: 1)

            // Polar's list: every seat, no cursor field.
            let whole = try await Self.page(server, org, pool, "")
            #expect(Set(whole.json.objectValue?.keys.map { $0 } ?? []) == ["seats", "available_seats", "total_seats"])
            #expect(Self.emails(whole).count == 5)

            let onlyClaimed = try await Self.page(server, org, pool, "&status=claimed")
            #expect(onlyClaimed["seats"]?.arrayValue?.map { $0["id"] } == [claimed["id"]])
            #expect(onlyClaimed["next_cursor"] == .null)
            #expect(onlyClaimed["available_seats"] == 5 && onlyClaimed["total_seats"] == 10)

            // A prefix, in any case; LIKE's wildcards are themselves.
            #expect(Self.emails(try await Self.page(server, org, pool, "&email=ANN")) == ["ann@example.com", "anna@example.com"])
            #expect(Self.emails(try await Self.page(server, org, pool, "&email=an_")) == ["an_x@example.com"])
            #expect(Self.emails(try await Self.page(server, org, pool, "&email=a%25")) == [])
            #expect(Self.emails(try await Self.page(server, org, pool, "&email=bo&status=claimed")) == [])

            // Pages of two, oldest first, each seat once.
            var seen: [String] = []
            var cursor: String?
            var pages = 0
            repeat {
                let page = try await Self.page(server, org, pool, "&limit=2" + (cursor.map { "&cursor=\($0)" } ?? ""))
                #expect(page.status == .ok, "\(page.json) \(cursor ?? "")")
                seen += Self.emails(page)
                cursor = page["next_cursor"]?.stringValue
                pages += 1
            } while cursor != nil && pages < 10
            #expect(pages == 3)
            #expect(seen == Self.emails(whole))

            for (query, field) in [("&status=lost", "status"), ("&cursor=nope", "cursor"), ("&limit=0", "limit"),
                                   ("&limit=101", "limit")] {
                #expect(issueLocations(try await Self.page(server, org, pool, query)) == [["query", .string(field)]], "\(query)")
            }
            // The portal's list takes the same filters.
            let session = try await PortalAPITests.session(server, org, customerId: pool.customerId)
            let portal = try await server.request(.get, "/v1/customer-portal/seats?subscription_id=\(pool.id)&status=claimed",
                                                  token: try #require(session["token"]?.stringValue))
            #expect(portal["seats"]?.arrayValue?.count == 1)
        }
    }

    /// A page of a status, or after a cursor, walks the pool's index in list order: SQLite
    /// neither scans the table nor sorts, so 100,000 seats cost what 10 do.
    @Test func aFilteredPageIsAnIndexedWalk() async throws {
        try await Backend.sqlite.withFreshDatabase { database, _ in
            let cursor = ListCursor(createdAt: Date(), id: UUID())
            for pool in [SeatPoolReference.subscription(UUID()), .order(UUID())] {
                for (status, after) in [(SeatStatus.claimed, nil), (nil, cursor), (.pending, cursor)] {
                    let plan = try await database.read { session in
                        try await session.rows("EXPLAIN QUERY PLAN " + SeatStore.pageQuery(
                            in: pool, status: status, emailPrefix: nil, limit: 50, after: after))
                            .map { try $0.string("detail") }
                    }
                    #expect(!plan.contains { $0.hasPrefix("SCAN s") }, "\(plan)")
                    #expect(!plan.contains { $0.contains("TEMP B-TREE") }, "\(plan)")
                    #expect(plan.contains { $0.hasPrefix("SEARCH s USING INDEX seats_") }, "\(plan)")
                }
            }
        }
    }

    /// On both databases, a filtered page of a 2,000-seat pool runs as many statements as one
    /// of a 10-seat pool (kept small for CI's time; the plan test above is what makes size
    /// irrelevant).
    @Test(arguments: Backend.all)
    func aFilteredPageCostsTheSameStatementsInALargePool(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let small = try await server.makeSubscription(org, seats: 20_000)
            let large = try await server.makeSubscription(org, seats: 20_000)
            try await ScalingTests.fill(server, small, organizationId: org.id, count: 10)
            try await ScalingTests.fill(server, large, organizationId: org.id, count: 2_000)
            let smallCost = try await ScalingTests.statements(server) { try await Self.page(server, org, small, "&status=claimed&limit=50") }
            let largeCost = try await ScalingTests.statements(server) { try await Self.page(server, org, large, "&status=claimed&limit=50") }
            #expect(smallCost == largeCost)
            #expect(try await Self.page(server, org, large, "&status=claimed&limit=50")["seats"]?.arrayValue?.count == 50)
        }
    }
}

/// A cursor reads back as what wrote it, whatever its time and id; anything else is refused.
@Suite struct ListCursorTests {
    @Test func everyCursorRoundTrips() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let micros = Int64.random(in: 0...4_102_444_800_000_000, using: &generator)
            // As a row's time reads back: a Date made from the stored microseconds.
            let cursor = ListCursor(createdAt: Timestamp.date(micros: micros), id: UUID())
            #expect(cursor.createdAtMicros == micros)
            let read = ListCursor(text: cursor.text)
            #expect(read == cursor, "\(cursor.text)")
            if read != cursor { return }
            #expect(cursor.text.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        }
        for text in ["", "nope", "bm9wZQ", String(repeating: "A", count: 200), "MTIzOm5vdC1hLXV1aWQ"] {
            #expect(ListCursor(text: text) == nil, "\(text)")
        }
    }
}
