import Foundation
import Hummingbird
import Testing
import TesseraCore

/// `/v1/products`: seat tiers bound the seat counts of the pools a product makes.
@Suite struct ProductTests {
    private static func seatPrice(_ tiers: [JSONValue], type: String = "volume") -> JSONValue {
        ["amount_type": "seat_based", "price_currency": "usd",
         "seat_tiers": ["seat_tier_type": .string(type), "tiers": .array(tiers)]]
    }

    private static func tier(_ min: Int, _ max: Int?, _ price: JSONValue = 1000) -> JSONValue {
        ["min_seats": JSONValue(min), "max_seats": JSONValue(max), "price_per_seat": price]
    }

    private static func createSeatProduct(_ server: TestServer, _ org: TestOrganization, tiers: [JSONValue],
                                          type: String = "volume") async throws -> TestResponse {
        try await server.request(.post, "/v1/products/", token: org.token, json: [
            "name": "Team", "recurring_interval": "month", "prices": [seatPrice(tiers, type: type)],
        ])
    }

    @Test(arguments: Backend.all)
    func createsASeatBasedProductWithTiers(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let response = try await server.request(.post, "/v1/products/", token: org.token, json: [
                "name": "Team plan", "description": "Seats for teams", "recurring_interval": "year",
                "metadata": ["sku": "team"],
                "prices": [Self.seatPrice([Self.tier(2, 10, 1500), Self.tier(11, nil, 1200)], type: "graduated")],
            ])
            #expect(response.status == .created)
            #expect(UUID(uuidString: response.id)?.wire == response.id)
            #expect(response["name"] == "Team plan")
            #expect(response["description"] == "Seats for teams")
            #expect(response["recurring_interval"] == "year")
            #expect(response["is_recurring"] == true)
            #expect(response["is_archived"] == false)
            #expect(response["organization_id"] == .string(org.id))
            #expect(response["metadata"] == ["sku": "team"])
            let price = try #require(response["prices"]?.arrayItem(0))
            #expect(response["prices"]?.arrayItem(1) == nil)
            #expect(price["amount_type"] == "seat_based")
            #expect(price["price_currency"] == "usd")
            #expect(price["product_id"] == .string(response.id))
            #expect(price["seat_tiers"]?["seat_tier_type"] == "graduated")
            #expect(price["seat_tiers"]?["tiers"] == [Self.tier(2, 10, 1500), Self.tier(11, nil, 1200)])
            #expect(price["seat_tiers"]?["minimum_seats"] == 2)
            #expect(price["seat_tiers"]?["maximum_seats"] == .null)

            let oneTime = try await server.makeSeatProduct(org, oneTime: true, minSeats: 1, maxSeats: 5)
            #expect(oneTime["recurring_interval"] == .null)
            #expect(oneTime["is_recurring"] == false)
            #expect(oneTime["prices"]?.arrayItem(0)?["seat_tiers"]?["maximum_seats"] == 5)
        }
    }

    @Test(arguments: Backend.all)
    func tiersMustBeContiguous(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let cases: [[JSONValue]] = [
                [Self.tier(1, 5), Self.tier(7, nil)],   // gap
                [Self.tier(1, 5), Self.tier(5, nil)],   // overlap
                [Self.tier(1, 5), Self.tier(3, 10)],    // overlap inside
            ]
            for tiers in cases {
                let response = try await Self.createSeatProduct(server, org, tiers: tiers)
                #expect(response.status == .unprocessableContent, "\(tiers)")
                #expect(response.errorName == "RequestValidationError")
                #expect(issueLocations(response) == [["body", "prices", 0]], "\(tiers)")
                #expect(response["detail"]?.arrayItem(0)?["msg"]?.stringValue?.contains("contiguous") == true)
            }
            let list = try await server.request(.get, "/v1/products/", token: org.token)
            #expect(list["pagination"]?["total_count"] == 0)
        }
    }

    @Test(arguments: Backend.all)
    func onlyTheLastTierMayBeUnbounded(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let response = try await Self.createSeatProduct(server, org, tiers: [Self.tier(1, nil), Self.tier(6, 10)])
            #expect(response.status == .unprocessableContent)
            #expect(issueLocations(response) == [["body", "prices", 0]])
            #expect(response["detail"]?.arrayItem(0)?["msg"]?.stringValue?.contains("last tier") == true)

            let bounded = try await Self.createSeatProduct(server, org, tiers: [Self.tier(1, 5), Self.tier(6, 10)])
            #expect(bounded.status == .created)
            #expect(bounded["prices"]?.arrayItem(0)?["seat_tiers"]?["maximum_seats"] == 10)
        }
    }

    @Test(arguments: Backend.all)
    func pricePerSeatMustBeWholeCents(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            for price: JSONValue in [.double(9.99), "1000", .null, -1] {
                let response = try await Self.createSeatProduct(server, org, tiers: [Self.tier(1, nil, price)])
                #expect(response.status == .unprocessableContent, "\(price)")
                #expect(issueLocations(response) == [["body", "prices", 0]], "\(price)")
            }
            let free = try await Self.createSeatProduct(server, org, tiers: [Self.tier(1, nil, 0)])
            #expect(free.status == .created)
        }
    }

    @Test(arguments: Backend.all)
    func otherTierProblemsAreRejected(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let cases: [[JSONValue]] = [
                [],                                         // no tier
                [Self.tier(0, nil)],                        // below one seat
                [Self.tier(5, 3)],                          // max below min
                [["min_seats": 1, "price_per_seat": 10, "max_seats": "ten"]],
            ]
            for tiers in cases {
                let response = try await Self.createSeatProduct(server, org, tiers: tiers)
                #expect(response.status == .unprocessableContent, "\(tiers)")
                #expect(issueLocations(response) == [["body", "prices", 0]], "\(tiers)")
            }
            let badType = try await Self.createSeatProduct(server, org, tiers: [Self.tier(1, nil)], type: "stairs")
            #expect(badType.status == .unprocessableContent)
            let noTiers = try await server.request(.post, "/v1/products/", token: org.token, json: [
                "name": "x", "prices": [["amount_type": "seat_based", "price_currency": "usd"]],
            ])
            #expect(noTiers.status == .unprocessableContent)
            let twoSeatPrices = try await server.request(.post, "/v1/products/", token: org.token, json: [
                "name": "x", "prices": [Self.seatPrice([Self.tier(1, nil)]), Self.seatPrice([Self.tier(1, nil)])],
            ])
            #expect(twoSeatPrices.status == .unprocessableContent)
            #expect(issueLocations(twoSeatPrices) == [["body", "prices"]])
            let unknownKind = try await server.request(.post, "/v1/products/", token: org.token, json: [
                "name": "x", "prices": [["amount_type": "custom"]],
            ])
            #expect(unknownKind.status == .unprocessableContent)
            let noPrices = try await server.request(.post, "/v1/products/", token: org.token, json: ["name": "x"])
            #expect(issueLocations(noPrices) == [["body", "prices"]])
            let badInterval = try await server.request(.post, "/v1/products/", token: org.token, json: [
                "name": "x", "recurring_interval": "fortnight", "prices": [["amount_type": "free"]],
            ])
            #expect(issueLocations(badInterval) == [["body", "recurring_interval"]])
        }
    }

    @Test(arguments: Backend.all)
    func fixedAndFreePrices(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let fixed = try await server.request(.post, "/v1/products/", token: org.token, json: [
                "name": "Pro", "recurring_interval": "month",
                "prices": [["amount_type": "fixed", "price_currency": "eur", "price_amount": 2500]],
            ])
            #expect(fixed.status == .created)
            let fixedPrice = try #require(fixed["prices"]?.arrayItem(0))
            #expect(fixedPrice["amount_type"] == "fixed")
            #expect(fixedPrice["price_currency"] == "eur")
            #expect(fixedPrice["price_amount"] == 2500)
            #expect(fixedPrice["seat_tiers"] == nil)

            let free = try await server.request(.post, "/v1/products/", token: org.token, json: [
                "name": "Free", "prices": [["amount_type": "free"]],
            ])
            #expect(free.status == .created)
            #expect(free["prices"]?.arrayItem(0)?["amount_type"] == "free")
            #expect(free["recurring_interval"] == .null)

            let fractional = try await server.request(.post, "/v1/products/", token: org.token, json: [
                "name": "Bad", "prices": [["amount_type": "fixed", "price_currency": "usd", "price_amount": .double(12.5)]],
            ])
            #expect(fractional.status == .unprocessableContent)
            #expect(issueLocations(fractional) == [["body", "prices", 0]])
        }
    }

    @Test(arguments: Backend.all)
    func getListAndPatch(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let seat = try await server.makeSeatProduct(org, minSeats: 1, maxSeats: 20)
            let free = try await server.request(.post, "/v1/products/", token: org.token,
                                                json: ["name": "Free", "prices": [["amount_type": "free"]]])

            let fetched = try await server.request(.get, "/v1/products/\(seat.id)", token: org.token)
            #expect(fetched.status == .ok)
            #expect(fetched.json == seat.json)

            let list = try await server.request(.get, "/v1/products/", token: org.token)
            #expect(list["pagination"] == ["total_count": 2, "max_page": 1])
            guard case .array(let items)? = list["items"] else { Issue.record("no items"); return }
            #expect(Set(items.compactMap { $0["id"]?.stringValue }) == [seat.id, free.id])

            let patched = try await server.request(.patch, "/v1/products/\(seat.id)", token: org.token, json: [
                "name": "Renamed", "description": "Now described", "metadata": ["v": 2],
                "prices": [Self.seatPrice([Self.tier(3, 30, 900)])],
            ])
            #expect(patched.status == .ok)
            #expect(patched["name"] == "Renamed")
            #expect(patched["description"] == "Now described")
            #expect(patched["metadata"] == ["v": 2])
            #expect(patched["recurring_interval"] == "month")
            #expect(patched["prices"]?.arrayItem(0)?["seat_tiers"]?["tiers"] == [Self.tier(3, 30, 900)])
            #expect(patched["modified_at"]?.stringValue == Timestamp.format(server.clock.now))
            let refetched = try await server.request(.get, "/v1/products/\(seat.id)", token: org.token)
            #expect(refetched.json == patched.json)

            // The new tiers bound new pools.
            let customer = try await server.makeCustomer(org)
            let tooFew = try await server.request(.post, "/v1/subscriptions/", token: org.token, json: [
                "product_id": .string(seat.id), "customer_id": .string(customer.id), "seats": 2,
            ])
            #expect(tooFew.status == .unprocessableContent)

            let badTiers = try await server.request(.patch, "/v1/products/\(seat.id)", token: org.token, json: [
                "prices": [Self.seatPrice([Self.tier(1, 5), Self.tier(8, nil)])],
            ])
            #expect(badTiers.status == .unprocessableContent)
            #expect(issueLocations(badTiers) == [["body", "prices", 0]])
            let unchanged = try await server.request(.get, "/v1/products/\(seat.id)", token: org.token)
            #expect(unchanged.json == patched.json)

            let archived = try await server.request(.patch, "/v1/products/\(seat.id)", token: org.token,
                                                    json: ["is_archived": true])
            #expect(archived["is_archived"] == true)

            let unknown = try await server.request(.get, "/v1/products/\(UUID().wire)", token: org.token)
            #expect(unknown.status == .notFound)
            let other = try await server.makeOrganization()
            #expect(try await server.request(.get, "/v1/products/\(seat.id)", token: other.token).status == .notFound)
            #expect(try await server.request(.patch, "/v1/products/\(seat.id)", token: other.token,
                                             json: ["name": "x"]).status == .notFound)
            let otherList = try await server.request(.get, "/v1/products/", token: other.token)
            #expect(otherList["items"] == [])
        }
    }
}
