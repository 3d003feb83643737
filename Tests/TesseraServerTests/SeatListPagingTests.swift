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

            // With an email prefix the pages come in the order of the email's bytes ("_" before "n").
            var byEmail: [String] = []
            var emailCursor: String?
            repeat {
                let page = try await Self.page(server, org, pool, "&email=a&limit=1" + (emailCursor.map { "&cursor=\($0)" } ?? ""))
                #expect(page.status == .ok, "\(page.json)")
                byEmail += Self.emails(page)
                emailCursor = page["next_cursor"]?.stringValue
            } while emailCursor != nil && byEmail.count < 10
            #expect(byEmail == ["an_x@example.com", "ann@example.com", "anna@example.com"])
            // A cursor of one order is no cursor of the other.
            let timeCursor = try #require(try await Self.page(server, org, pool, "&limit=1")["next_cursor"]?.stringValue)
            #expect(issueLocations(try await Self.page(server, org, pool, "&email=a&cursor=\(timeCursor)"))
                == [["query", "cursor"]])

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

    /// The portal page shows 50 seats of a pool and links to the next 50, whatever the pool's size.
    @Test(arguments: Backend.all)
    func thePortalPagesThroughALargePool(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 200)
            try await ScalingTests.fill(server, pool, organizationId: org.id, count: 60)
            let token = try await PageTests.sessionToken(server, org, customerId: pool.customerId)
            var browser = try await PageTests.signedInBrowser(server, org, token: token)
            let first = try await browser.get("/\(org.slug)/portal")
            #expect(first.html.components(separatedBy: "class=\"seat status-").count - 1 == 50)
            #expect(first.html.contains("60 of 200 seats used"))
            #expect(!first.html.contains("Back to the first seats"))
            let link = try #require(first.html.components(separatedBy: "href=\"").dropFirst()
                .map { String($0.prefix { $0 != "\"" }) }.first { $0.contains("cursor=") })
            let second = try await browser.get(link.replacingOccurrences(of: "&amp;", with: "&"))
            #expect(second.status == .ok)
            #expect(second.html.components(separatedBy: "class=\"seat status-").count - 1 == 10)
            #expect(second.html.contains("Back to the first seats"))
            #expect(!second.html.contains("Show the next seats"))
            let seatIds = { (html: String) in
                Set(html.components(separatedBy: "id=\"seat-").dropFirst().map { String($0.prefix(36)) })
            }
            #expect(seatIds(first.html).isDisjoint(with: seatIds(second.html)))
            #expect(seatIds(first.html).count + seatIds(second.html).count == 60)
        }
    }

    /// The list joins holders from the billing customer's live members, which is every holder
    /// Tessera writes; a seat held by anyone else (data written by other means: here a member
    /// moved to another customer, and one deleted under its seat) still shows its member, in
    /// the whole list and in a page.
    @Test(arguments: Backend.all)
    func aHolderOutsideTheBillingCustomersLiveMembersIsStillListed(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization(memberModel: true)
            let pool = try await server.makeSubscription(org, seats: 5)
            let other = try await server.makeSubscription(org, seats: 1)
            var members: [String: String] = [:]
            for email in ["moved@example.com", "deleted@example.com", "kept@example.com"] {
                members[email] = try #require(try await server.assign(org, pool, ["email": .string(email)])["member_id"]?.stringValue)
            }
            try await server.database.transaction { tx in
                try await tx.execute("""
                    UPDATE members SET customer_id = \(bind: other.customerId) WHERE id = \(bind: members["moved@example.com"])
                    """)
                try await tx.execute("UPDATE members SET deleted_at = 1 WHERE id = \(bind: members["deleted@example.com"])")
            }
            for query in ["", "&limit=10"] {
                let seats = try await Self.page(server, org, pool, query)["seats"]?.arrayValue ?? []
                #expect(seats.count == 3)
                for seat in seats {
                    let member = seat["member"]
                    #expect(member?["id"] != nil && member?["id"] == seat["member_id"], "\(seat)")
                    #expect(member?["email"] == seat["customer_email"], "\(seat)")
                }
                #expect(Set(seats.compactMap { $0["member"]?["email"]?.stringValue }) == Set(members.keys))
            }
            // Holders read by id come back whole when split across queries (a statement's
            // parameters are bounded, and a pool may have thousands).
            let ids = Set(members.values.compactMap { UUID(uuidString: $0) })
            let found = try await server.database.read { try await $0.members.findIncludingDeleted(ids: ids, perStatement: 2) }
            #expect(ids.count == 3 && Set(found.keys) == ids)
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
                            in: pool, billingCustomerId: UUID(), status: status, limit: 50, after: after))
                            .map { try $0.string("detail") }
                    }
                    #expect(!plan.contains { $0.hasPrefix("SCAN s") }, "\(plan)")
                    #expect(!plan.contains { $0.contains("TEMP B-TREE") }, "\(plan)")
                    #expect(plan.contains { $0.hasPrefix("SEARCH s USING INDEX seats_") }, "\(plan)")
                }
            }
        }
    }

    /// An email prefix search walks the billing customer's members from the prefix to its upper
    /// bound in email order, and finds each one's seat by the (pool, member) index: no scan of the
    /// pool, no sort. PostgreSQL is asked with sequential scans off, which shows that its index
    /// serves the range in order (its planner may still scan a tiny table).
    @Test(arguments: Backend.all)
    func anEmailSearchIsAnIndexedWalkOfTheMembers(backend: Backend) async throws {
        try await backend.withFreshDatabase { database, _ in
            let cursor = ListCursor(sortKey: "ann@example.com", id: UUID())
            for pool in [SeatPoolReference.subscription(UUID()), .order(UUID())] {
                for (status, after) in [(SeatStatus?.none, ListCursor?.none), (.claimed, cursor)] {
                    let query = SeatStore.emailPageQuery(in: pool, billingCustomerId: UUID(), status: status,
                                                         emailPrefix: "An", limit: 50, after: after,
                                                         dialect: backend == .sqlite ? .sqlite : .postgres)
                    let plan = try await database.transaction { session in
                        if backend == .sqlite {
                            return try await session.rows("EXPLAIN QUERY PLAN " + query).map { try $0.string("detail") }
                        }
                        try await session.execute("SET LOCAL enable_seqscan = off")
                        return try await session.rows("EXPLAIN " + query).map { try $0.string("QUERY PLAN") }
                    }
                    let text = plan.joined(separator: "\n")
                    // SQLite walks the unique (customer, email key) index; PostgreSQL its byte-order one.
                    #expect(text.contains(backend == .sqlite ? "INDEX members_email " : "members_email_bytes"), "\(text)")
                    #expect(text.contains("seats_subscription_member") || text.contains("seats_order_member"), "\(text)")
                    #expect(!text.contains("TEMP B-TREE") && !text.contains("Sort"), "\(text)")
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
        for key in ["ann@example.com", "", "a:b:c@example.com", "\u{10FFFF}é@x"] {
            let cursor = ListCursor(sortKey: key, id: UUID())
            #expect(ListCursor(text: cursor.text) == cursor, "\(key)")
        }
        for text in ["", "nope", "bm9wZQ", String(repeating: "A", count: 2000), "MTIzOm5vdC1hLXV1aWQ"] {
            #expect(ListCursor(text: text) == nil, "\(text)")
        }
    }
}

/// The upper bound of a prefix range: the least text above every text with the prefix.
@Suite struct PrefixBoundTests {
    @Test func theBoundFollowsTheLastScalarThatCanGrow() {
        #expect(LikePattern.upperBound(ofPrefix: "ann") == "ano")
        #expect(LikePattern.upperBound(ofPrefix: "a\u{D7FF}") == "a\u{E000}")
        #expect(LikePattern.upperBound(ofPrefix: "a\u{10FFFF}") == "b")
        #expect(LikePattern.upperBound(ofPrefix: "\u{10FFFF}") == nil)
        for prefix in ["ann", "an_", "é", "a\u{D7FF}"] {
            let upper = LikePattern.upperBound(ofPrefix: prefix) ?? ""
            #expect(!upper.hasPrefix(prefix))
            for text in [prefix, prefix + "z", prefix + "\u{10FFFF}\u{10FFFF}"] {
                #expect(Array(text.utf8).lexicographicallyPrecedes(Array(upper.utf8)), "\(text)")
            }
        }
    }
}
