import Foundation
import Hummingbird
import Testing
import TesseraCore
import TesseraStore

/// Tessera's bulk assignment (`POST /v1/customer-seats/bulk`): one transaction under one pool
/// lock, a result per recipient in input order, all-or-nothing when `atomic`, and a 400 with
/// nothing written when the pool is short of seats.
@Suite struct BulkAssignTests {
    static func bulk(_ server: TestServer, _ org: TestOrganization, _ pool: TestPool, _ recipients: [JSONValue],
                     atomic: Bool? = nil) async throws -> TestResponse {
        var body: [String: JSONValue] = [pool.kind: .string(pool.id), "recipients": .array(recipients)]
        if let atomic { body["atomic"] = .bool(atomic) }
        return try await server.request(.post, "/v1/customer-seats/bulk", token: org.token, json: .object(body))
    }

    static func results(_ response: TestResponse) -> [JSONValue] { response["results"]?.arrayValue ?? [] }

    static func statuses(_ response: TestResponse) -> [String] {
        results(response).compactMap { $0["status"]?.stringValue }
    }

    /// How many rows `table` holds: nothing may be written by a refused request.
    static func count(_ server: TestServer, _ table: String) async throws -> Int {
        try await server.database.read { session in
            try await session.first("SELECT COUNT(*) AS n FROM \(unsafeRaw: table)")?.decode(column: "n", as: Int.self) ?? -1
        }
    }

    static func tableCounts(_ server: TestServer) async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for table in ["seats", "customers", "members", "webhook_events", "outbox", "seat_events"] {
            counts[table] = try await count(server, table)
        }
        return counts
    }

    @Test(arguments: Backend.all)
    func eachRowGetsTheOutcomeItsSingleCallWouldHave(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 5)
            _ = try await server.request(.post, "/v1/webhooks/endpoints", token: org.token, json: [
                "url": "https://hooks.example.com/tessera", "format": "raw",
                "events": ["customer_seat.assigned", "customer_seat.claimed"]])
            let missing = UUID().wire
            let rows: [JSONValue] = [
                ["email": "ann@example.com", "metadata": ["team": "red"]],
                ["email": "bo@example.com", "send_invitation": false],
                ["email": "ANN@example.com"],
                ["customer_id": .string(missing)],
                ["email": "not an address"],
                "just a string",
                ["email": "cy@example.com", "immediate_claim": true],
            ]
            let answer = try await Self.bulk(server, org, pool, rows)
            #expect(answer.status == .ok, "\(answer.json)")
            #expect(Self.statuses(answer)
                == ["assigned", "assigned", "already_assigned", "failed", "failed", "failed", "assigned"])
            #expect(Self.results(answer).map { $0["index"]?.intValue } == Array(0..<7))
            #expect(answer["assigned"]?.intValue == 3 && answer["already_assigned"]?.intValue == 1
                && answer["failed"]?.intValue == 3)

            let results = Self.results(answer)
            #expect(results[0]["seat"]?["status"] == "pending")
            #expect(results[0]["seat"]?["seat_metadata"]?["team"] == "red")
            #expect(results[0]["seat"]?["invitation_token"] == nil)
            // The merchant-managed row hands its link back, once; the duplicate names the same seat.
            let token = try #require(results[1]["seat"]?["invitation_token"]?.stringValue)
            #expect(results[2]["seat"]?["id"] == results[0]["seat"]?["id"])
            #expect(results[6]["seat"]?["status"] == "claimed")

            // A failed row carries exactly what its single call answers, plus that call's status.
            for (index, row) in [(3, rows[3]), (4, rows[4]), (5, rows[5])] {
                let single = try await server.request(.post, "/v1/customer-seats", token: org.token,
                                                      json: Self.withPool(row, pool))
                var expected = single.json.objectValue ?? [:]
                expected["status"] = .int(Int64(single.status.code))
                #expect(results[index]["error"] == .object(expected), "row \(index)")
                #expect(results[index]["seat"] == nil)
            }
            #expect(results[3]["error"]?["error"] == "CustomerNotFound")
            #expect(results[4]["error"]?["status"] == 422)

            // Written as three single calls would have: seats, emails, events and history.
            let counts = try await server.activeSeatCounts(pool, organizationId: org.id)
            #expect(counts.kept == 3 && counts.rows == 3)
            #expect(try await server.deliverInvitations(to: "ann@example.com").count == 1)
            #expect(try await server.deliverInvitations(to: "bo@example.com").isEmpty)
            #expect(try await SeatSupport.claim(server, token).status == .ok)
            #expect(try await ParityTests.events(server, "customer_seat.assigned").count == 2)
            #expect(try await ParityTests.events(server, "customer_seat.claimed").count == 2)
            let history = try await SeatHistoryTests.events(server, org.token,
                                                            "/v1/customer-seats/events?\(pool.kind)=\(pool.id)&limit=100")
            #expect(SeatHistoryTests.types(history).filter { $0 == "assigned" }.count == 3)
        }
    }

    static func withPool(_ row: JSONValue, _ pool: TestPool) -> JSONValue {
        guard case .object(var fields) = row else { return row }
        fields[pool.kind] = .string(pool.id)
        return .object(fields)
    }

    @Test(arguments: Backend.all)
    func tooFewFreeSeatsIsRefusedBeforeAnythingIsWritten(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 3)
            try await server.assign(org, pool, ["email": "held@example.com"])
            let before = try await Self.tableCounts(server)

            // Two free seats; three new people (the holder does not count, a repeat counts once).
            let short = try await Self.bulk(server, org, pool, [
                ["email": "held@example.com"], ["email": "a@example.com"], ["email": "b@example.com"],
                ["email": "B@example.com"], ["email": "c@example.com"],
            ])
            SeatSupport.expectError(short, .badRequest, "SeatNotAvailable",
                                        "These recipients need 3 new seats and the pool has 2 free; nothing was assigned.")
            #expect(try await Self.tableCounts(server) == before)

            // A row naming a customer that does not exist needs no seat: it fails on its own.
            let fits = try await Self.bulk(server, org, pool, [
                ["email": "held@example.com"], ["email": "a@example.com"], ["customer_id": .string(UUID().wire)],
                ["email": "b@example.com"],
            ])
            #expect(Self.statuses(fits) == ["already_assigned", "assigned", "failed", "assigned"], "\(fits.json)")

            // A full pool still answers people who already hold their seat.
            let again = try await Self.bulk(server, org, pool, [["email": "a@example.com"], ["email": "held@example.com"]])
            #expect(again.status == .ok)
            #expect(Self.statuses(again) == ["already_assigned", "already_assigned"])
            let counts = try await server.activeSeatCounts(pool, organizationId: org.id)
            #expect(counts.kept == 3 && counts.rows == 3)
        }
    }

    @Test(arguments: Backend.all)
    func anAtomicRequestWithAFailedRowAssignsNothing(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 4)
            try await server.assign(org, pool, ["email": "held@example.com"])
            let rows: [JSONValue] = [["email": "new@example.com"], ["email": "held@example.com"],
                                     ["customer_id": .string(UUID().wire)]]
            let before = try await Self.tableCounts(server)

            let refused = try await Self.bulk(server, org, pool, rows, atomic: true)
            #expect(refused.status == .badRequest, "\(refused.json)")
            #expect(refused.errorName == "BulkAssignmentFailed")
            #expect(Self.statuses(refused) == ["not_assigned", "already_assigned", "failed"])
            #expect(Self.results(refused)[0]["seat"] == nil)
            #expect(refused["assigned"]?.intValue == 0 && refused["failed"]?.intValue == 1)
            #expect(try await Self.tableCounts(server) == before)
            #expect(try await server.deliverInvitations(to: "new@example.com").isEmpty)

            // Without the failing row, the atomic request goes through.
            let done = try await Self.bulk(server, org, pool, Array(rows.prefix(2)), atomic: true)
            #expect(done.status == .ok)
            #expect(Self.statuses(done) == ["assigned", "already_assigned"])
        }
    }

    /// A row that wrote something and then failed leaves nothing behind: each row runs in a
    /// savepoint. Naming a member by a new external id and its email records the id on the
    /// member before finding that the member already holds a seat.
    @Test(arguments: Backend.all)
    func aRowThatFailsAfterWritingLeavesNoTrace(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization(memberModel: true)
            let pool = try await server.makeSubscription(org, seats: 3)
            _ = try await server.request(.post, "/v1/webhooks/endpoints", token: org.token, json: [
                "url": "https://hooks.example.com/tessera", "format": "raw", "events": ["member.updated"]])
            let held = try await server.assign(org, pool, ["email": "held@example.com"])
            #expect(held["member"]?["external_id"] == .null)
            let updatesBefore = try await ParityTests.events(server, "member.updated").count

            let answer = try await Self.bulk(server, org, pool, [
                ["external_member_id": "ext-held", "email": "held@example.com"], ["email": "new@example.com"],
            ])
            #expect(Self.statuses(answer) == ["already_assigned", "assigned"], "\(answer.json)")
            let members = try await server.request(.get, "/v1/members?customer_id=\(pool.customerId)", token: org.token)
            let heldMember = members["items"]?.arrayValue?.first { $0["email"] == "held@example.com" }
            #expect(heldMember?["external_id"] == .null)
            #expect(try await ParityTests.events(server, "member.updated").count == updatesBefore)
        }
    }

    @Test(arguments: Backend.all)
    func theRequestsShapeIsCheckedAsAWhole(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 2)
            let path = "/v1/customer-seats/bulk"
            func post(_ body: JSONValue, token: String? = nil) async throws -> TestResponse {
                try await server.request(.post, path, token: token ?? org.token, json: body)
            }
            let one: JSONValue = [["email": "a@example.com"]]
            SeatSupport.expectValidation(try await post([pool.kind: .string(pool.id)]),
                                             type: "missing", loc: ["body", "recipients"], msg: "Field required")
            SeatSupport.expectValidation(try await post([pool.kind: .string(pool.id), "recipients": []]),
                                             type: "too_short", loc: ["body", "recipients"],
                                             msg: "List should have at least 1 item after validation, not 0")
            let many = JSONValue.array(Array(repeating: ["email": "a@example.com"], count: 1001))
            SeatSupport.expectValidation(try await post([pool.kind: .string(pool.id), "recipients": many]),
                                             type: "too_long", loc: ["body", "recipients"],
                                             msg: "List should have at most 1000 items after validation, not 1001")
            SeatSupport.expectValidation(try await post([pool.kind: .string(pool.id), "recipients": "a@example.com"]),
                                             type: "list_type", loc: ["body", "recipients"], msg: "Input should be a valid list")
            SeatSupport.expectValidation(try await post([pool.kind: .string(pool.id), "recipients": one, "atomic": "yes"]),
                                             type: "bool_type", loc: ["body", "atomic"],
                                             msg: "Input should be a valid boolean")
            SeatSupport.expectValidation(try await post(["recipients": one]), type: "value_error", loc: ["body"],
                                             msg: "Value error, Exactly one of subscription_id or order_id must be provided")

            // Scope, another organization's pool, a pool that does not exist.
            let reader = try await server.makeToken(organizationId: org.id, scopes: [.customerSeatsRead])
            #expect(try await post([pool.kind: .string(pool.id), "recipients": one], token: reader).status == .forbidden)
            let other = try await server.makeOrganization()
            let foreign = try await post([pool.kind: .string(pool.id), "recipients": one], token: other.token)
            SeatSupport.expectError(foreign, .notFound, "ResourceNotFound", "Subscription not found")
            #expect(try await post(["subscription_id": .string(UUID().wire), "recipients": one]).status == .notFound)
            let counts = try await server.activeSeatCounts(pool, organizationId: org.id)
            #expect(counts.kept == 0 && counts.rows == 0)
        }
    }

    /// A bulk assignment reuses every revoked seat of the pool before making new rows, as single
    /// assignments do; only once none is left do its rows stop looking for one.
    @Test(arguments: Backend.all)
    func aBulkAssignmentReusesEveryRevokedSeatFirst(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 5)
            var revoked: [String] = []
            for email in ["a@example.com", "b@example.com"] {
                revoked.append(try await server.assign(org, pool, ["email": .string(email)]).id)
            }
            for id in revoked { #expect(try await SeatSupport.revoke(server, org, id).status == .ok) }
            let answer = try await Self.bulk(server, org, pool, [
                ["email": "c@example.com"], ["email": "not an address"], ["email": "d@example.com"],
                ["email": "e@example.com"], ["email": "f@example.com"],
            ])
            #expect(Self.statuses(answer) == ["assigned", "failed", "assigned", "assigned", "assigned"])
            let ids = Self.results(answer).map { $0["seat"]?["id"]?.stringValue }
            try #require(ids.count == 5)
            #expect(Set([ids[0], ids[2]].compactMap { $0 }) == Set(revoked))
            let made = [ids[3], ids[4]].compactMap { $0 }
            #expect(made.count == 2 && Set(made).isDisjoint(with: revoked))
            let counts = try await server.activeSeatCounts(pool, organizationId: org.id)
            #expect(counts.kept == 4 && counts.rows == 4)
            #expect(try await Self.count(server, "seats") == 4)
        }
    }

    /// The largest request fills a pool of 1,000 in one call, with one statement lock of the pool.
    @Test(arguments: Backend.all)
    func aThousandRecipientsFitInOneRequest(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 1000)
            let rows = (0..<1000).map { JSONValue.object(["email": .string("person\($0)@example.com"), "send_invitation": false]) }
            let answer = try await Self.bulk(server, org, pool, rows)
            #expect(answer.status == .ok)
            #expect(answer["assigned"]?.intValue == 1000)
            let counts = try await server.activeSeatCounts(pool, organizationId: org.id)
            #expect(counts.kept == 1000 && counts.rows == 1000)
            let full = try await Self.bulk(server, org, pool, [["email": "one-more@example.com"]])
            SeatSupport.expectError(full, .badRequest, "SeatNotAvailable",
                                        "These recipients need 1 new seat and the pool has 0 free; nothing was assigned.")
        }
    }

    /// The portal takes a pasted list: each address invited by email, repeats named once, and
    /// the page says who was invited, who already had a seat and why anyone was not.
    @Test(arguments: Backend.all)
    func thePortalInvitesAPastedListOfAddresses(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 4)
            try await server.assign(org, pool, ["email": "held@example.com"])
            let token = try await PageTests.sessionToken(server, org, customerId: pool.customerId)
            var browser = try await PageTests.signedInBrowser(server, org, token: token)
            let portal = try await browser.get("/\(org.slug)/portal")
            #expect(portal.html.contains("action=\"/\(org.slug)/portal/seats/bulk\""))
            let csrf = try #require(browser.csrf)

            let pasted = "ann@example.com, bo@example.com\nheld@example.com; not-an-address\n\nANN@example.com"
            let page = try await browser.post("/\(org.slug)/portal/seats/bulk",
                                              [("csrf", csrf), ("subscription_id", pool.id), ("emails", pasted)])
            #expect(page.status == .ok, "\(page.html)")
            #expect(page.html.contains("Invited 2 people; each gets an invitation email. 1 person already had a seat. "
                + "1 person could not be invited:"))
            #expect(page.html.contains("<strong>not-an-address</strong>: value is not a valid email address"))
            #expect(try await server.deliverInvitations(to: "ann@example.com").count == 1)
            #expect(try await server.deliverInvitations(to: "bo@example.com").count == 1)
            let counts = try await server.activeSeatCounts(pool, organizationId: org.id)
            #expect(counts.kept == 3 && counts.rows == 3)

            // More new people than free seats: nobody is invited, and the page says why.
            let short = try await browser.post("/\(org.slug)/portal/seats/bulk", [
                ("csrf", csrf), ("subscription_id", pool.id), ("emails", "c@example.com d@example.com"),
            ])
            #expect(short.status == .badRequest)
            #expect(short.html.contains("Not enough free seats"))
            #expect(try await server.activeSeatCounts(pool, organizationId: org.id).rows == 3)

            // The form needs its anti-forgery field like every portal form.
            let forged = try await browser.post("/\(org.slug)/portal/seats/bulk",
                                                [("subscription_id", pool.id), ("emails", "e@example.com")])
            #expect(forged.status == .forbidden)
        }
    }
}
