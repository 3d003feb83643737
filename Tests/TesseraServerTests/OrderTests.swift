import Foundation
import Hummingbird
import Testing
import TesseraCore

/// `/v1/orders`: one-time seat pools.
@Suite struct OrderTests {
    private static func order(_ server: TestServer, _ org: TestOrganization, _ fields: [String: JSONValue])
        async throws -> TestResponse
    {
        try await server.request(.post, "/v1/orders/", token: org.token, json: .object(fields))
    }

    @Test(arguments: Backend.all)
    func createIsPaidByDefault(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let customer = try await server.makeCustomer(org)
            let product = try await server.makeSeatProduct(org, oneTime: true)
            let response = try await Self.order(server, org, [
                "product_id": .string(product.id), "customer_id": .string(customer.id), "seats": 3,
                "metadata": ["po": "A-1"],
            ])
            #expect(response.status == .created)
            #expect(UUID(uuidString: response.id)?.wire == response.id)
            #expect(response["status"] == "paid")
            #expect(response["paid"] == true)
            #expect(response["seats"] == 3)
            #expect(response["customer_id"] == .string(customer.id))
            #expect(response["product_id"] == .string(product.id))
            #expect(response["customer"]?["id"] == .string(customer.id))
            #expect(response["product"]?["id"] == .string(product.id))
            #expect(response["metadata"] == ["po": "A-1"])
            #expect(response["total_amount"] == 3000)
            #expect(response["due_amount"] == 0)
            #expect(response["created_at"]?.stringValue == Timestamp.format(server.clock.now))

            let pool = TestPool(kind: "order_id", id: response.id, customerId: customer.id, customerEmail: "",
                                productId: product.id)
            let list = try await server.list(org, pool)
            #expect(list["total_seats"] == 3)
            #expect(list["available_seats"] == 3)
            let assigned = try await server.assign(org, pool, ["email": "member@example.com"])
            #expect(assigned.status == .ok)
            #expect(assigned["order_id"] == .string(pool.id))
            let counts = try await server.activeSeatCounts(pool, organizationId: org.id)
            #expect(counts.kept == 1)
            #expect(counts.kept == counts.rows)
        }
    }

    @Test(arguments: Backend.all)
    func createValidatesSeatsStatusAndCustomer(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let customer = try await server.makeCustomer(org, externalId: "order-ext")
            let product = try await server.makeSeatProduct(org, oneTime: true, minSeats: 2, maxSeats: 5)
            let base: [String: JSONValue] = ["product_id": .string(product.id), "customer_id": .string(customer.id)]

            let noSeats = try await Self.order(server, org, base)
            #expect(noSeats.status == .unprocessableContent)
            #expect(issueLocations(noSeats) == [["body", "seats"]])
            for seats in [1, 6] {
                let outside = try await Self.order(server, org, base.merging(["seats": JSONValue(seats)]) { $1 })
                #expect(outside.status == .unprocessableContent, "\(seats)")
                #expect(issueLocations(outside) == [["body", "seats"]])
            }
            let badStatus = try await Self.order(server, org, base.merging(["seats": 2, "status": "refunded"]) { $1 })
            #expect(badStatus.status == .unprocessableContent)
            #expect(issueLocations(badStatus) == [["body", "status"]])

            let free = try await server.request(.post, "/v1/products/", token: org.token,
                                                json: ["name": "Free", "prices": [["amount_type": "free"]]])
            let seatsOnFree = try await Self.order(server, org, [
                "product_id": .string(free.id), "customer_id": .string(customer.id), "seats": 2,
            ])
            #expect(seatsOnFree.status == .unprocessableContent)
            #expect(issueLocations(seatsOnFree) == [["body", "seats"]])

            let unknownCustomer = try await Self.order(server, org, [
                "product_id": .string(product.id), "customer_id": .string(UUID().wire), "seats": 2,
            ])
            #expect(unknownCustomer.status == .unprocessableContent)
            #expect(issueLocations(unknownCustomer) == [["body", "customer_id"]])

            let byExternal = try await Self.order(server, org, [
                "product_id": .string(product.id), "external_customer_id": "order-ext", "seats": 2,
            ])
            #expect(byExternal.status == .created)
            #expect(byExternal["customer_id"] == .string(customer.id))

            let list = try await server.request(.get, "/v1/orders/", token: org.token)
            #expect(list["pagination"]?["total_count"] == 1)
        }
    }

    @Test(arguments: Backend.all)
    func pendingOrderTakesNoSeatsUntilPaid(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeOrder(org, seats: 2, status: "pending")
            let created = try await server.request(.get, "/v1/orders/\(pool.id)", token: org.token)
            #expect(created["status"] == "pending")
            #expect(created["paid"] == false)
            #expect(created["due_amount"] == created["total_amount"])

            let refused = try await server.assign(org, pool, ["email": "early@example.com"])
            #expect(refused.status == .badRequest)
            #expect(refused.errorName == "SeatNotAvailable")
            #expect(refused.detail == "Order must be paid before assigning seats")
            let before = try await server.list(org, pool)
            #expect(before["seats"] == [])
            let idle = try await server.activeSeatCounts(pool, organizationId: org.id)
            #expect(idle.kept == 0)
            #expect(idle.kept == idle.rows)
            #expect(server.mail.messages.isEmpty)

            server.clock.advance(by: 10)
            let paid = try await server.request(.patch, "/v1/orders/\(pool.id)", token: org.token, json: ["status": "paid"])
            #expect(paid.status == .ok)
            #expect(paid["status"] == "paid")
            #expect(paid["paid"] == true)
            #expect(paid["due_amount"] == 0)
            #expect(paid["modified_at"]?.stringValue == Timestamp.format(server.clock.now))

            let assigned = try await server.assign(org, pool, ["email": "early@example.com"])
            #expect(assigned.status == .ok)
            #expect(assigned["status"] == "pending")
            let counts = try await server.activeSeatCounts(pool, organizationId: org.id)
            #expect(counts.kept == 1)
            #expect(counts.kept == counts.rows)
            #expect(try await server.list(org, pool)["available_seats"] == 1)

            // A paid order cannot go back to pending; paying twice changes nothing.
            let back = try await server.request(.patch, "/v1/orders/\(pool.id)", token: org.token, json: ["status": "pending"])
            #expect(back.status == .badRequest)
            let again = try await server.request(.patch, "/v1/orders/\(pool.id)", token: org.token, json: ["status": "paid"])
            #expect(again.status == .ok)
            #expect(try await server.request(.get, "/v1/orders/\(pool.id)", token: org.token)["status"] == "paid")
            let invalid = try await server.request(.patch, "/v1/orders/\(pool.id)", token: org.token, json: ["status": "void"])
            #expect(invalid.status == .unprocessableContent)
            #expect(issueLocations(invalid) == [["body", "status"]])
        }
    }

    @Test(arguments: Backend.all)
    func getAndListOrders(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let first = try await server.makeOrder(org, seats: 1)
            let second = try await server.makeOrder(org, seats: 2, status: "pending")

            let fetched = try await server.request(.get, "/v1/orders/\(first.id)", token: org.token)
            #expect(fetched.status == .ok)
            #expect(fetched.id == first.id)
            #expect(fetched["seats"] == 1)

            let list = try await server.request(.get, "/v1/orders/", token: org.token)
            #expect(list.status == .ok)
            #expect(list["pagination"] == ["total_count": 2, "max_page": 1])
            guard case .array(let items)? = list["items"] else { Issue.record("no items"); return }
            #expect(Set(items.compactMap { $0["id"]?.stringValue }) == [first.id, second.id])

            let byCustomer = try await server.request(.get, "/v1/orders/?customer_id=\(second.customerId)", token: org.token)
            #expect(byCustomer["items"]?.arrayItem(0)?["id"] == .string(second.id))
            #expect(byCustomer["pagination"]?["total_count"] == 1)
            let byProduct = try await server.request(.get, "/v1/orders/?product_id=\(first.productId)", token: org.token)
            #expect(byProduct["items"]?.arrayItem(0)?["id"] == .string(first.id))
            #expect(byProduct["pagination"]?["total_count"] == 1)
            let paged = try await server.request(.get, "/v1/orders/?limit=1&page=2", token: org.token)
            #expect(paged["pagination"] == ["total_count": 2, "max_page": 2])

            let other = try await server.makeOrganization()
            let foreign = try await server.request(.get, "/v1/orders/\(first.id)", token: other.token)
            #expect(foreign.status == .notFound)
            #expect(foreign.detail == "Order not found")
            let foreignPatch = try await server.request(.patch, "/v1/orders/\(second.id)", token: other.token,
                                                        json: ["status": "paid"])
            #expect(foreignPatch.status == .notFound)
            #expect(try await server.request(.get, "/v1/orders/\(second.id)", token: org.token)["status"] == "pending")
            #expect(try await server.request(.get, "/v1/orders/", token: other.token)["items"] == [])
            #expect(try await server.request(.get, "/v1/orders/\(UUID().wire)", token: org.token).status == .notFound)
        }
    }
}
