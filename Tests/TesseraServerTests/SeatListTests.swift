import Foundation
import Hummingbird
import Testing
import TesseraCore

/// `GET /v1/customer-seats?subscription_id=|order_id=`.
@Suite struct SeatListTests {
    @Test(arguments: Backend.all)
    func listNeedsAPool(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let neither = try await server.request(.get, "/v1/customer-seats", token: org.token)
            SeatSupport.expectError(neither, .badRequest, "BadRequest", "Either subscription_id or order_id must be provided")
            let empty = try await server.request(.get, "/v1/customer-seats?subscription_id=", token: org.token)
            SeatSupport.expectError(empty, .badRequest, "BadRequest", "Either subscription_id or order_id must be provided")

            let notAnId = try await server.request(.get, "/v1/customer-seats?subscription_id=sub_1", token: org.token)
            let issue = SeatSupport.expectValidation(
                notAnId, type: "uuid_parsing", loc: ["query", "subscription_id"], msg: "Input should be a valid UUID")
            #expect(issue?["input"] == "sub_1")
            let notAnOrderId = try await server.request(.get, "/v1/customer-seats?order_id=42", token: org.token)
            SeatSupport.expectValidation(
                notAnOrderId, type: "uuid_parsing", loc: ["query", "order_id"], msg: "Input should be a valid UUID")
        }
    }

    @Test(arguments: Backend.all)
    func anEmptyPoolListsNoSeatsAndAllAvailable(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 4)
            let list = try await server.list(org, pool)
            #expect(list.status == .ok)
            #expect(Set(list.json.objectValue?.keys.map { $0 } ?? []) == ["seats", "available_seats", "total_seats"])
            #expect(list["seats"] == [])
            #expect(list["available_seats"] == 4)
            #expect(list["total_seats"] == 4)
        }
    }

    @Test(arguments: Backend.all)
    func listShowsEverySeatOldestFirstIncludingRevoked(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 5)
            let a = try await server.assign(org, pool, ["email": "a@example.com"])
            server.clock.advance(by: 1)
            let b = try await server.assign(org, pool, ["email": "b@example.com", "immediate_claim": true])
            server.clock.advance(by: 1)
            let c = try await server.assign(org, pool, ["email": "c@example.com", "metadata": ["role": "admin"]])
            server.clock.advance(by: 1)
            #expect(try await SeatSupport.revoke(server, org, b.id).status == .ok)
            try await SeatSupport.expectCountsInStep(server, pool, org, active: 2)

            let list = try await server.list(org, pool)
            #expect(list.status == .ok)
            let seats = SeatSupport.array(list["seats"])
            try #require(seats.count == 3, "\(list.json)")
            #expect(seats.map { $0["id"] } == [.string(a.id), .string(b.id), .string(c.id)])
            #expect(seats.map { $0["status"] } == ["pending", "revoked", "pending"])
            #expect(list["available_seats"] == 3)
            #expect(list["total_seats"] == 5)
            for seat in seats {
                #expect(Set(seat.objectValue?.keys.map { $0 } ?? []) == SeatSupport.seatKeys)
            }
            // Each seat carries its member; the revoked one no longer has a holder.
            #expect(seats[0]["member"]?["email"] == "a@example.com")
            #expect(seats[0]["member"]?["id"] == a["member_id"])
            #expect(seats[0]["customer_email"] == "a@example.com")
            #expect(seats[1]["member"] == .null)
            #expect(seats[1]["customer_id"] == .null)
            #expect(seats[2]["member"]?["email"] == "c@example.com")
            #expect(seats[2]["seat_metadata"] == ["role": "admin"])
            #expect(seats[0] == a.json, "the list shows the seat as assign answered it")

            // A reused row keeps its place: it is still the second oldest row.
            let d = try await server.assign(org, pool, ["email": "d@example.com"])
            #expect(d.id == b.id)
            let after = SeatSupport.array(try await server.list(org, pool)["seats"])
            try #require(after.count == 3)
            #expect(after.map { $0["id"] } == [.string(a.id), .string(b.id), .string(c.id)])
            #expect(after[1]["customer_email"] == "d@example.com")
            #expect(try await server.list(org, pool)["available_seats"] == 2)
            try await SeatSupport.expectCountsInStep(server, pool, org, active: 3)
        }
    }

    @Test(arguments: Backend.all)
    func availableSeatsFollowAssignsClaimsAndRevokes(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 2)
            #expect(try await server.list(org, pool)["available_seats"] == 2)

            let (pending, token) = try await SeatSupport.invite(server, org, pool, email: "p@example.com")
            #expect(try await server.list(org, pool)["available_seats"] == 1, "a pending seat is taken")
            #expect(try await SeatSupport.claim(server, token).status == .ok)
            #expect(try await server.list(org, pool)["available_seats"] == 1, "a claimed seat is taken")
            let second = try await server.assign(org, pool, ["email": "q@example.com", "immediate_claim": true])
            #expect(try await server.list(org, pool)["available_seats"] == 0)
            #expect(try await SeatSupport.revoke(server, org, pending.id).status == .ok)
            #expect(try await server.list(org, pool)["available_seats"] == 1, "a revoked seat is free")
            #expect(try await SeatSupport.revoke(server, org, second.id).status == .ok)
            let list = try await server.list(org, pool)
            #expect(list["available_seats"] == 2)
            #expect(list["total_seats"] == 2)
            #expect(SeatSupport.array(list["seats"]).count == 2)
            try await SeatSupport.expectCountsInStep(server, pool, org, active: 0)
        }
    }

    @Test(arguments: Backend.all)
    func listTakesTheReadOrTheWriteScope(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 2)
            #expect(try await server.assign(org, pool, ["email": "a@example.com"]).status == .ok)

            for scopes: [Scope] in [[.customerSeatsRead], [.customerSeatsWrite]] {
                let token = try await server.makeToken(organizationId: org.id, scopes: scopes)
                let list = try await server.request(.get, "/v1/customer-seats?subscription_id=\(pool.id)", token: token)
                #expect(list.status == .ok, "\(scopes): \(list.json)")
                #expect(SeatSupport.array(list["seats"]).count == 1, "\(scopes)")
            }

            let readOnly = try await server.makeToken(organizationId: org.id, scopes: [.customerSeatsRead])
            let assign = try await server.request(.post, "/v1/customer-seats", token: readOnly, json: [
                "subscription_id": .string(pool.id), "email": "b@example.com",
            ])
            #expect(assign.status == .forbidden, "reading does not allow assigning")
            let unrelated = try await server.makeToken(organizationId: org.id, scopes: [.customersRead])
            let refused = try await server.request(.get, "/v1/customer-seats?subscription_id=\(pool.id)", token: unrelated)
            #expect(refused.status == .forbidden)
            #expect(refused.errorName == "insufficient_scope")
        }
    }

    @Test(arguments: Backend.all)
    func poolsOfAnotherOrganizationAreNotFound(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let other = try await server.makeOrganization()
            let theirs = try await server.makeSubscription(other, seats: 2)
            let theirOrder = try await server.makeOrder(other, seats: 2)
            #expect(try await server.assign(other, theirs, ["email": "a@example.com"]).status == .ok)

            SeatSupport.expectError(try await server.list(org, theirs), .notFound, "ResourceNotFound", "Subscription not found")
            SeatSupport.expectError(try await server.list(org, theirOrder), .notFound, "ResourceNotFound", "Order not found")
            let unknown = try await server.request(.get, "/v1/customer-seats?subscription_id=\(UUID().wire)", token: org.token)
            SeatSupport.expectError(unknown, .notFound, "ResourceNotFound", "Subscription not found")
            let unknownOrder = try await server.request(.get, "/v1/customer-seats?order_id=\(UUID().wire)", token: org.token)
            SeatSupport.expectError(unknownOrder, .notFound, "ResourceNotFound", "Order not found")

            #expect(SeatSupport.array(try await server.list(other, theirs)["seats"]).count == 1)
        }
    }

    @Test(arguments: Backend.all)
    func orderAndSubscriptionPoolsListOnlyTheirOwnSeats(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let subscription = try await server.makeSubscription(org, seats: 3)
            let order = try await server.makeOrder(org, seats: 2)
            let inSubscription = try await server.assign(org, subscription, ["email": "s@example.com"])
            let inOrder = try await server.assign(org, order, ["email": "o@example.com"])

            let orderList = try await server.list(org, order)
            #expect(orderList.status == .ok)
            #expect(SeatSupport.array(orderList["seats"]).map { $0["id"] } == [.string(inOrder.id)])
            #expect(SeatSupport.array(orderList["seats"]).first?["order_id"] == .string(order.id))
            #expect(orderList["available_seats"] == 1)
            #expect(orderList["total_seats"] == 2)

            let subscriptionList = try await server.list(org, subscription)
            #expect(SeatSupport.array(subscriptionList["seats"]).map { $0["id"] } == [.string(inSubscription.id)])
            #expect(subscriptionList["available_seats"] == 2)
            #expect(subscriptionList["total_seats"] == 3)
            try await SeatSupport.expectCountsInStep(server, order, org, active: 1)
            try await SeatSupport.expectCountsInStep(server, subscription, org, active: 1)
        }
    }

    @Test(arguments: Backend.all)
    func listIsForbiddenWhenTheFeatureIsOff(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 2)
            try await SeatSupport.setSeatFeature(server, org, enabled: false)
            SeatSupport.expectError(try await server.list(org, pool), .forbidden, "FeatureNotEnabled",
                                    "Seat-based pricing is not enabled for this organization")
        }
    }
}
