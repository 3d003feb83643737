import Foundation
import Hummingbird
import Testing
import TesseraCore

/// `/v1/subscriptions`: recurring seat pools.
@Suite struct SubscriptionTests {
    /// A page of pools loads its customers and products once for the page, not once per item:
    /// listing ten subscriptions or orders (each with its own customer and product) runs as
    /// many statements as listing one.
    @Test(arguments: Backend.all)
    func poolListsCostTheSameWhateverTheirLength(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let small = try await server.makeOrganization()
            let large = try await server.makeOrganization()
            _ = try await server.makeSubscription(small, seats: 1)
            _ = try await server.makeOrder(small, seats: 1)
            for _ in 0..<10 {
                _ = try await server.makeSubscription(large, seats: 1)
                _ = try await server.makeOrder(large, seats: 1)
            }
            for path in ["/v1/subscriptions/", "/v1/orders/"] {
                let one = try await ScalingTests.statements(server) {
                    try await server.request(.get, path, token: small.token)
                }
                let ten = try await ScalingTests.statements(server) {
                    try await server.request(.get, path, token: large.token)
                }
                #expect(one == ten, "\(path): \(one) statements for one item, \(ten) for ten")
            }
        }
    }

    private static func subscribe(_ server: TestServer, _ org: TestOrganization, product: String, customer: String,
                                  seats: Int?) async throws -> TestResponse {
        var body: [String: JSONValue] = ["product_id": .string(product), "customer_id": .string(customer)]
        if let seats { body["seats"] = JSONValue(seats) }
        return try await server.request(.post, "/v1/subscriptions/", token: org.token, json: .object(body))
    }

    private static func fixedProduct(_ server: TestServer, _ org: TestOrganization) async throws -> TestResponse {
        let response = try await server.request(.post, "/v1/products/", token: org.token, json: [
            "name": "Pro", "recurring_interval": "month",
            "prices": [["amount_type": "fixed", "price_currency": "usd", "price_amount": 2000]],
        ])
        try #require(response.status == .created)
        return response
    }

    private static func patchSeats(_ server: TestServer, _ org: TestOrganization, _ id: String, _ seats: Int)
        async throws -> TestResponse
    {
        try await server.request(.patch, "/v1/subscriptions/\(id)", token: org.token, json: ["seats": JSONValue(seats)])
    }

    private static func seatStatuses(_ list: TestResponse) -> [String] {
        guard case .array(let seats)? = list["seats"] else { return [] }
        return seats.compactMap { $0["status"]?.stringValue }
    }

    private static func expectCountsKept(_ server: TestServer, _ pool: TestPool, _ org: TestOrganization, _ expected: Int,
                                         sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let counts = try await server.activeSeatCounts(pool, organizationId: org.id)
        #expect(counts.kept == expected, sourceLocation: sourceLocation)
        #expect(counts.kept == counts.rows, sourceLocation: sourceLocation)
    }

    private static func pool(_ subscription: TestResponse, customer: String, product: String) -> TestPool {
        TestPool(kind: "subscription_id", id: subscription.id, customerId: customer, customerEmail: "", productId: product)
    }

    // MARK: Create

    @Test(arguments: Backend.all)
    func createIsActiveWithSeats(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let customer = try await server.makeCustomer(org)
            let product = try await server.makeSeatProduct(org)
            let response = try await server.request(.post, "/v1/subscriptions/", token: org.token, json: [
                "product_id": .string(product.id), "customer_id": .string(customer.id), "seats": 4,
                "metadata": ["source": "test"],
            ])
            #expect(response.status == .created)
            #expect(UUID(uuidString: response.id)?.wire == response.id)
            #expect(response["status"] == "active")
            #expect(response["seats"] == 4)
            #expect(response["customer_id"] == .string(customer.id))
            #expect(response["product_id"] == .string(product.id))
            #expect(response["customer"]?["id"] == .string(customer.id))
            #expect(response["product"]?["id"] == .string(product.id))
            #expect(response["recurring_interval"] == "month")
            #expect(response["cancel_at_period_end"] == false)
            #expect(response["canceled_at"] == .null)
            #expect(response["ended_at"] == .null)
            #expect(response["ends_at"] == .null)
            #expect(response["metadata"] == ["source": "test"])
            #expect(response["amount"] == 4000)
            #expect(response["started_at"]?.stringValue == Timestamp.format(server.clock.now))

            let pool = Self.pool(response, customer: customer.id, product: product.id)
            let list = try await server.list(org, pool)
            #expect(list["total_seats"] == 4)
            #expect(list["available_seats"] == 4)
            #expect(list["seats"] == [])
            try await Self.expectCountsKept(server, pool, org, 0)
        }
    }

    @Test(arguments: Backend.all)
    func seatsAreRequiredForASeatProduct(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let customer = try await server.makeCustomer(org)
            let product = try await server.makeSeatProduct(org)
            let response = try await Self.subscribe(server, org, product: product.id, customer: customer.id, seats: nil)
            #expect(response.status == .unprocessableContent)
            #expect(issueLocations(response) == [["body", "seats"]])
            let zero = try await Self.subscribe(server, org, product: product.id, customer: customer.id, seats: 0)
            #expect(zero.status == .unprocessableContent)
            #expect(issueLocations(zero) == [["body", "seats"]])
            let list = try await server.request(.get, "/v1/subscriptions/", token: org.token)
            #expect(list["pagination"]?["total_count"] == 0)
        }
    }

    @Test(arguments: Backend.all)
    func seatsAreRejectedForAProductWithoutSeats(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let customer = try await server.makeCustomer(org)
            let product = try await Self.fixedProduct(server, org)
            let withSeats = try await Self.subscribe(server, org, product: product.id, customer: customer.id, seats: 3)
            #expect(withSeats.status == .unprocessableContent)
            #expect(issueLocations(withSeats) == [["body", "seats"]])

            let without = try await Self.subscribe(server, org, product: product.id, customer: customer.id, seats: nil)
            #expect(without.status == .created)
            #expect(without["seats"] == .null)
            #expect(without["amount"] == 2000)
        }
    }

    @Test(arguments: Backend.all)
    func seatsMustLieWithinTheTiers(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let customer = try await server.makeCustomer(org)
            let product = try await server.makeSeatProduct(org, minSeats: 2, maxSeats: 10)
            for seats in [1, 11] {
                let response = try await Self.subscribe(server, org, product: product.id, customer: customer.id, seats: seats)
                #expect(response.status == .unprocessableContent, "\(seats)")
                #expect(issueLocations(response) == [["body", "seats"]], "\(seats)")
            }
            for seats in [2, 10] {
                let response = try await Self.subscribe(server, org, product: product.id, customer: customer.id, seats: seats)
                #expect(response.status == .created, "\(seats)")
                #expect(response["seats"] == JSONValue(seats))
            }
        }
    }

    @Test(arguments: Backend.all)
    func customerByExternalIdAndOtherCustomerErrors(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let customer = try await server.makeCustomer(org, externalId: "acct-9")
            let product = try await server.makeSeatProduct(org)
            let byExternal = try await server.request(.post, "/v1/subscriptions/", token: org.token, json: [
                "product_id": .string(product.id), "external_customer_id": "acct-9", "seats": 2,
            ])
            #expect(byExternal.status == .created)
            #expect(byExternal["customer_id"] == .string(customer.id))

            let unknownExternal = try await server.request(.post, "/v1/subscriptions/", token: org.token, json: [
                "product_id": .string(product.id), "external_customer_id": "nobody", "seats": 2,
            ])
            #expect(unknownExternal.status == .unprocessableContent)
            #expect(issueLocations(unknownExternal) == [["body", "external_customer_id"]])

            let both = try await server.request(.post, "/v1/subscriptions/", token: org.token, json: [
                "product_id": .string(product.id), "customer_id": .string(customer.id), "external_customer_id": "acct-9",
                "seats": 2,
            ])
            #expect(both.status == .unprocessableContent)
            let neither = try await server.request(.post, "/v1/subscriptions/", token: org.token,
                                                   json: ["product_id": .string(product.id), "seats": 2])
            #expect(neither.status == .unprocessableContent)

            let other = try await server.makeOrganization()
            let foreignCustomer = try await server.makeCustomer(other)
            let withForeign = try await Self.subscribe(server, org, product: product.id, customer: foreignCustomer.id, seats: 2)
            #expect(withForeign.status == .unprocessableContent)
            #expect(issueLocations(withForeign) == [["body", "customer_id"]])

            let foreignProduct = try await server.makeSeatProduct(other)
            let withForeignProduct = try await Self.subscribe(server, org, product: foreignProduct.id, customer: customer.id,
                                                              seats: 2)
            #expect(withForeignProduct.status == .notFound)

            let oneTime = try await server.makeSeatProduct(org, oneTime: true)
            let withOneTime = try await Self.subscribe(server, org, product: oneTime.id, customer: customer.id, seats: 2)
            #expect(withOneTime.status == .unprocessableContent)
            #expect(issueLocations(withOneTime) == [["body", "product_id"]])
        }
    }

    // MARK: Read

    @Test(arguments: Backend.all)
    func getAndListWithFilters(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let first = try await server.makeCustomer(org)
            let second = try await server.makeCustomer(org)
            let productA = try await server.makeSeatProduct(org)
            let productB = try await server.makeSeatProduct(org)
            let firstA = try await Self.subscribe(server, org, product: productA.id, customer: first.id, seats: 1)
            let firstB = try await Self.subscribe(server, org, product: productB.id, customer: first.id, seats: 2)
            let secondA = try await Self.subscribe(server, org, product: productA.id, customer: second.id, seats: 3)

            let fetched = try await server.request(.get, "/v1/subscriptions/\(firstB.id)", token: org.token)
            #expect(fetched.status == .ok)
            #expect(fetched.json == firstB.json)

            func ids(_ query: String) async throws -> Set<String> {
                let response = try await server.request(.get, "/v1/subscriptions/\(query)", token: org.token)
                #expect(response.status == .ok)
                guard case .array(let items)? = response["items"] else { return [] }
                #expect(response["pagination"]?["total_count"] == JSONValue(items.count))
                return Set(items.compactMap { $0["id"]?.stringValue })
            }
            #expect(try await ids("") == [firstA.id, firstB.id, secondA.id])
            #expect(try await ids("?customer_id=\(first.id)") == [firstA.id, firstB.id])
            #expect(try await ids("?product_id=\(productA.id)") == [firstA.id, secondA.id])
            #expect(try await ids("?customer_id=\(first.id)&product_id=\(productA.id)") == [firstA.id])
            #expect(try await ids("?customer_id=\(UUID().wire)") == [])

            let paged = try await server.request(.get, "/v1/subscriptions/?limit=2&page=2", token: org.token)
            #expect(paged["pagination"] == ["total_count": 3, "max_page": 2])

            let badFilter = try await server.request(.get, "/v1/subscriptions/?product_id=nope", token: org.token)
            #expect(issueLocations(badFilter) == [["query", "product_id"]])

            let other = try await server.makeOrganization()
            let foreign = try await server.request(.get, "/v1/subscriptions/\(firstA.id)", token: other.token)
            #expect(foreign.status == .notFound)
            #expect(foreign.detail == "Subscription not found")
            let foreignList = try await server.request(.get, "/v1/subscriptions/", token: other.token)
            #expect(foreignList["items"] == [])
            let unknown = try await server.request(.get, "/v1/subscriptions/\(UUID().wire)", token: org.token)
            #expect(unknown.status == .notFound)
        }
    }

    // MARK: Changing seats

    @Test(arguments: Backend.all)
    func canceledSubscriptionRefusesSeatChangesFirst(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let customer = try await server.makeCustomer(org)
            let product = try await server.makeSeatProduct(org, minSeats: 2, maxSeats: 5)
            let subscription = try await Self.subscribe(server, org, product: product.id, customer: customer.id, seats: 2)
            let id = subscription.id
            #expect(try await server.request(.delete, "/v1/subscriptions/\(id)", token: org.token).status == .ok)
            // Below the minimum, above the maximum or valid: being canceled is checked first.
            for seats in [1, 6, 3] {
                let response = try await Self.patchSeats(server, org, id, seats)
                #expect(response.status == .forbidden, "\(seats)")
                #expect(response.errorName == "AlreadyCanceledSubscription", "\(seats)")
                #expect(response.detail == "This subscription is already canceled or will be at the end of the period.")
            }
            let cancelFlag = try await server.request(.patch, "/v1/subscriptions/\(id)", token: org.token,
                                                      json: ["cancel_at_period_end": false])
            #expect(cancelFlag.status == .forbidden)
            #expect(cancelFlag.errorName == "AlreadyCanceledSubscription")
            let fetched = try await server.request(.get, "/v1/subscriptions/\(id)", token: org.token)
            #expect(fetched["seats"] == 2)
            #expect(fetched["status"] == "canceled")
            #expect(fetched["cancel_at_period_end"] == false)

            // A canceled subscription without seats is still "already canceled" before "not seat-based".
            let fixed = try await Self.fixedProduct(server, org)
            let plain = try await Self.subscribe(server, org, product: fixed.id, customer: customer.id, seats: nil)
            #expect(try await server.request(.delete, "/v1/subscriptions/\(plain.id)", token: org.token).status == .ok)
            let plainChange = try await Self.patchSeats(server, org, plain.id, 3)
            #expect(plainChange.errorName == "AlreadyCanceledSubscription")
        }
    }

    @Test(arguments: Backend.all)
    func subscriptionWithoutSeatPriceCannotChangeSeats(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let customer = try await server.makeCustomer(org)
            let fixed = try await Self.fixedProduct(server, org)
            let subscription = try await Self.subscribe(server, org, product: fixed.id, customer: customer.id, seats: nil)
            let response = try await Self.patchSeats(server, org, subscription.id, 5)
            #expect(response.status == .badRequest)
            #expect(response.errorName == "NotASeatBasedSubscription")
            #expect(response.detail == "This subscription does not support seat-based pricing.")
            let fetched = try await server.request(.get, "/v1/subscriptions/\(subscription.id)", token: org.token)
            #expect(fetched["seats"] == .null)
        }
    }

    @Test(arguments: Backend.all)
    func seatCountMustStayWithinTheTiers(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let customer = try await server.makeCustomer(org)
            let product = try await server.makeSeatProduct(org, minSeats: 2, maxSeats: 10)
            let subscription = try await Self.subscribe(server, org, product: product.id, customer: customer.id, seats: 4)
            let pool = Self.pool(subscription, customer: customer.id, product: product.id)
            for email in ["a@example.com", "b@example.com", "c@example.com"] {
                #expect(try await server.assign(org, pool, ["email": .string(email)]).status == .ok)
            }

            // Below the minimum and below the assigned seats: the tier check comes first.
            let below = try await Self.patchSeats(server, org, subscription.id, 1)
            #expect(below.status == .badRequest)
            #expect(below.errorName == "BelowMinimumSeats")
            #expect(below.detail == "Minimum 2 seats required.")

            let above = try await Self.patchSeats(server, org, subscription.id, 11)
            #expect(above.status == .badRequest)
            #expect(above.errorName == "AboveMaximumSeats")
            #expect(above.detail == "Maximum seats is 10.")

            let atMax = try await Self.patchSeats(server, org, subscription.id, 10)
            #expect(atMax.status == .ok)
            #expect(atMax["seats"] == 10)
            #expect(try await server.list(org, pool)["available_seats"] == 7)
            try await Self.expectCountsKept(server, pool, org, 3)
        }
    }

    @Test(arguments: Backend.all)
    func cannotDecreaseBelowAssignedSeats(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 5)
            #expect(try await server.assign(org, pool, ["email": "p1@example.com"]).status == .ok)
            #expect(try await server.assign(org, pool, ["email": "p2@example.com"]).status == .ok)
            #expect(try await server.assign(org, pool, ["email": "c1@example.com", "immediate_claim": true]).status == .ok)
            let revoked = try await server.assign(org, pool, ["email": "gone@example.com"])
            #expect(try await server.request(.delete, "/v1/customer-seats/\(revoked.id)", token: org.token).status == .ok)
            try await Self.expectCountsKept(server, pool, org, 3)

            let response = try await Self.patchSeats(server, org, pool.id, 2)
            #expect(response.status == .badRequest)
            #expect(response.errorName == "SeatsAlreadyAssigned")
            #expect(response.detail == "Cannot decrease seats to 2. Currently 3 seats are assigned. Revoke seats first.")
            let unchanged = try await server.list(org, pool)
            #expect(unchanged["total_seats"] == 5)
            #expect(unchanged["available_seats"] == 2)

            // Down to exactly the assigned seats is allowed (revoked seats do not count).
            let exact = try await Self.patchSeats(server, org, pool.id, 3)
            #expect(exact.status == .ok)
            #expect(exact["seats"] == 3)
            let full = try await server.list(org, pool)
            #expect(full["total_seats"] == 3)
            #expect(full["available_seats"] == 0)
            #expect(try await server.assign(org, pool, ["email": "late@example.com"]).errorName == "SeatNotAvailable")
            try await Self.expectCountsKept(server, pool, org, 3)
        }
    }

    @Test(arguments: Backend.all)
    func sameSeatCountIsANoOpAndIncreaseAddsSeats(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 2)
            #expect(try await server.assign(org, pool, ["email": "one@example.com"]).status == .ok)
            #expect(try await server.assign(org, pool, ["email": "two@example.com"]).status == .ok)
            #expect(try await server.assign(org, pool, ["email": "three@example.com"]).errorName == "SeatNotAvailable")

            server.clock.advance(by: 60)
            let same = try await Self.patchSeats(server, org, pool.id, 2)
            #expect(same.status == .ok)
            #expect(same["seats"] == 2)
            #expect(same["modified_at"] == .null)
            #expect(same["amount"] == 2000)

            server.clock.advance(by: 60)
            let more = try await server.request(.patch, "/v1/subscriptions/\(pool.id)", token: org.token,
                                                json: ["seats": 4, "proration_behavior": "invoice"])
            #expect(more.status == .ok)
            #expect(more["seats"] == 4)
            #expect(more["amount"] == 4000)
            #expect(more["modified_at"]?.stringValue == Timestamp.format(server.clock.now))
            let list = try await server.list(org, pool)
            #expect(list["total_seats"] == 4)
            #expect(list["available_seats"] == 2)
            #expect(try await server.assign(org, pool, ["email": "three@example.com"]).status == .ok)
            try await Self.expectCountsKept(server, pool, org, 3)

            let badProration = try await server.request(.patch, "/v1/subscriptions/\(pool.id)", token: org.token,
                                                        json: ["seats": 5, "proration_behavior": "sometimes"])
            #expect(badProration.status == .unprocessableContent)
            #expect(issueLocations(badProration) == [["body", "proration_behavior"]])
            let empty = try await server.request(.patch, "/v1/subscriptions/\(pool.id)", token: org.token, json: [:])
            #expect(empty.status == .unprocessableContent)
            let other = try await server.makeOrganization()
            let foreign = try await Self.patchSeats(server, other, pool.id, 3)
            #expect(foreign.status == .notFound)
            #expect(try await server.list(org, pool)["total_seats"] == 4)
        }
    }

    // MARK: Cancelling

    @Test(arguments: Backend.all)
    func cancelAtPeriodEndCanBeSetAndCleared(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 2)
            #expect(try await server.assign(org, pool, ["email": "kept@example.com"]).status == .ok)

            let set = try await server.request(.patch, "/v1/subscriptions/\(pool.id)", token: org.token,
                                               json: ["cancel_at_period_end": true])
            #expect(set.status == .ok)
            #expect(set["cancel_at_period_end"] == true)
            #expect(set["status"] == "active")
            #expect(set["canceled_at"]?.stringValue == Timestamp.format(server.clock.now))
            #expect(set["ends_at"] == set["current_period_end"])
            #expect(set["ended_at"] == .null)
            // Seats stay until the period ends, but the count can no longer change.
            #expect(Self.seatStatuses(try await server.list(org, pool)) == ["pending"])
            let change = try await Self.patchSeats(server, org, pool.id, 3)
            #expect(change.status == .forbidden)
            #expect(change.errorName == "AlreadyCanceledSubscription")

            let cleared = try await server.request(.patch, "/v1/subscriptions/\(pool.id)", token: org.token,
                                                   json: ["cancel_at_period_end": false])
            #expect(cleared.status == .ok)
            #expect(cleared["cancel_at_period_end"] == false)
            #expect(cleared["canceled_at"] == .null)
            #expect(cleared["ends_at"] == .null)
            let fetched = try await server.request(.get, "/v1/subscriptions/\(pool.id)", token: org.token)
            #expect(fetched["cancel_at_period_end"] == false)
            #expect(try await Self.patchSeats(server, org, pool.id, 3).status == .ok)
            try await Self.expectCountsKept(server, pool, org, 1)
        }
    }

    @Test(arguments: Backend.all)
    func revokeEndsTheSubscriptionAndEverySeat(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 4)
            #expect(try await server.assign(org, pool, ["email": "pending@example.com"]).status == .ok)
            #expect(try await server.assign(org, pool, ["email": "claimed@example.com", "immediate_claim": true]).status == .ok)
            let earlier = try await server.assign(org, pool, ["email": "earlier@example.com"])
            #expect(try await server.request(.delete, "/v1/customer-seats/\(earlier.id)", token: org.token).status == .ok)
            let invitation = try #require(try await server.deliverInvitations(to: "pending@example.com").first)
            try await Self.expectCountsKept(server, pool, org, 2)

            server.clock.advance(by: 30)
            let response = try await server.request(.delete, "/v1/subscriptions/\(pool.id)", token: org.token)
            #expect(response.status == .ok)
            #expect(response.id == pool.id)
            #expect(response["status"] == "canceled")
            #expect(response["ended_at"]?.stringValue == Timestamp.format(server.clock.now))
            #expect(response["canceled_at"]?.stringValue == Timestamp.format(server.clock.now))
            #expect(response["seats"] == 4)

            let list = try await server.list(org, pool)
            #expect(list.status == .ok)
            #expect(Self.seatStatuses(list) == ["revoked", "revoked", "revoked"])
            #expect(list["total_seats"] == 4)
            #expect([0, 4].contains(list["available_seats"]?.intValue ?? -1))
            try await Self.expectCountsKept(server, pool, org, 0)

            // The pending invitation no longer works, and the pool takes no new seats.
            let claim = try await server.request(.post, "/v1/customer-seats/claim",
                                                 json: ["invitation_token": .string(invitation)])
            #expect(claim.status == .badRequest)
            #expect(claim.errorName == "InvalidInvitationToken")
            let assign = try await server.assign(org, pool, ["email": "new@example.com"])
            #expect(assign.status == .badRequest)
            #expect(assign.errorName == "SeatNotAvailable")
            try await Self.expectCountsKept(server, pool, org, 0)

            let fetched = try await server.request(.get, "/v1/subscriptions/\(pool.id)", token: org.token)
            #expect(fetched["status"] == "canceled")
            #expect(fetched["ended_at"] == response["ended_at"])

            let again = try await server.request(.delete, "/v1/subscriptions/\(pool.id)", token: org.token)
            #expect(again.status == .forbidden)
            #expect(again.errorName == "AlreadyCanceledSubscription")

            let other = try await server.makeOrganization()
            let otherPool = try await server.makeSubscription(other, seats: 1)
            let foreign = try await server.request(.delete, "/v1/subscriptions/\(otherPool.id)", token: org.token)
            #expect(foreign.status == .notFound)
            #expect(try await server.request(.get, "/v1/subscriptions/\(otherPool.id)", token: other.token)["status"]
                    == "active")
        }
    }
}
