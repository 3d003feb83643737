import Foundation
import Hummingbird
import SQLKit
import Testing
import TesseraCore
import TesseraStore

/// Places where Tessera once answered differently from Polar (issue 9).
@Suite struct ParityTests {
    /// The `data` of every stored webhook event of `type`, oldest first.
    static func events(_ server: TestServer, _ type: String) async throws -> [JSONValue] {
        try await server.database.withConnection { session in
            try await session.rows("SELECT body FROM webhook_events WHERE type = \(bind: type) ORDER BY created_at")
                .map { JSONValue.parse(Data(try $0.decode(column: "body", as: String.self).utf8))?["data"] ?? .null }
        }
    }

    @Test(arguments: Backend.all)
    func memberModelSeatsNameTheirHolderInCustomerEmailEverywhere(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization(memberModel: true)
            let pool = try await server.makeSubscription(org, seats: 2)
            _ = try await server.request(.post, "/v1/webhooks/endpoints", token: org.token, json: [
                "url": "https://hooks.example.com/tessera", "format": "raw",
                "events": ["customer_seat.assigned", "customer_seat.claimed", "customer_seat.revoked"]])
            let newbie = "newbie@example.com"
            #expect(newbie != pool.customerEmail)

            let assigned = try await server.assign(org, pool, ["email": .string(newbie)])
            #expect(assigned.status == .ok, "\(assigned.json)")
            #expect(assigned["customer_email"] == .string(newbie))
            #expect(assigned["customer_id"] == .string(pool.customerId))
            let listed = try #require(SeatSupport.array(try await server.list(org, pool)["seats"]).first)
            #expect(listed["customer_email"] == .string(newbie))

            let token = try #require(try await server.deliverInvitations(to: newbie).first)
            let info = try await server.request(.get, "/v1/customer-seats/claim/\(token)")
            #expect(info["customer_email"] == .string(newbie))
            let claim = try await server.request(.post, "/v1/customer-seats/claim", json: ["invitation_token": .string(token)])
            #expect(claim["seat"]?["customer_email"] == .string(newbie))
            #expect(claim["customer_session_token"]?.stringValue?.hasPrefix("tsr_mst_") == true)

            let revoked = try await server.request(.delete, "/v1/customer-seats/\(assigned.id)", token: org.token)
            #expect(revoked["status"] == "revoked")
            #expect(revoked["customer_email"] == .string(newbie))
            #expect(revoked["member"]?["email"] == .string(newbie))

            for type in ["customer_seat.assigned", "customer_seat.claimed", "customer_seat.revoked"] {
                let data = try await Self.events(server, type)
                #expect(data.count == 1, "\(type)")
                #expect(data.first?["customer_email"] == .string(newbie), "\(type): \(data)")
            }
        }
    }

    @Test(arguments: Backend.all)
    func legacySeatsStillNameTheirCustomerAndTheFormerHolderAfterRevoking(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 2)
            let assigned = try await server.assign(org, pool, ["email": "ada@example.com", "immediate_claim": true])
            #expect(assigned["customer_email"] == "ada@example.com")
            let revoked = try await server.request(.delete, "/v1/customer-seats/\(assigned.id)", token: org.token)
            #expect(revoked["customer_email"] == "ada@example.com")
        }
    }

    /// `customer_email` falls back to the seat's customer last, for a stored seat with a customer
    /// but neither an email nor a member (as rows written before the member model may be): the
    /// list reads that email by a subquery only for such a seat, and must still find it.
    @Test(arguments: Backend.all)
    func aSeatWithNeitherEmailNorMemberNamesItsCustomersEmail(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 2)
            let bare = try await server.assign(org, pool, ["email": "bare@example.com"])
            let kept = try await server.assign(org, pool, ["email": "kept@example.com"])
            let customerId = try #require(bare["customer_id"]?.stringValue)
            // The customer's address is changed too, so only the customer can be its source.
            try await server.database.withConnection { session in
                try await session.execute("UPDATE seats SET email = NULL, member_id = NULL WHERE id = \(bind: bare.id)")
                try await session.execute("UPDATE customers SET email = 'customer@example.com' WHERE id = \(bind: customerId)")
            }
            let seats = SeatSupport.array(try await server.list(org, pool)["seats"])
            let listed = Dictionary(uniqueKeysWithValues: seats.compactMap { seat in seat["id"]?.stringValue.map { ($0, seat) } })
            #expect(listed[bare.id]?["customer_email"] == "customer@example.com")
            #expect(listed[bare.id]?["member"] == .null)
            #expect(listed[kept.id]?["customer_email"] == "kept@example.com")
            // The revoking answer, read by the seat's id, names it too.
            let revoked = try await server.request(.delete, "/v1/customer-seats/\(bare.id)", token: org.token)
            #expect(revoked["customer_email"] == "customer@example.com")
        }
    }

    @Test(arguments: Backend.all)
    func theClaimSessionIsAMemberSessionOfTheBillingCustomer(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 2)
            _ = try await server.assign(org, pool, ["email": "grace@example.com"])
            let token = try #require(try await server.deliverInvitations(to: "grace@example.com").first)
            let claim = try await server.request(.post, "/v1/customer-seats/claim", json: ["invitation_token": .string(token)])
            let session = try #require(claim["customer_session_token"]?.stringValue)
            #expect(session.hasPrefix("tsr_mst_"))
            // Signed in as a plain member of the billing customer: sees its pool, changes nothing.
            let seats = try await server.request(.get, "/v1/customer-portal/seats?subscription_id=\(pool.id)", token: session)
            #expect(seats.status == .ok, "\(seats.json)")
            let resize = try await server.request(.patch, "/v1/customer-portal/subscriptions/\(pool.id)", token: session,
                                                  json: ["seats": 3])
            #expect(resize.status == .forbidden)
        }
    }

    @Test(arguments: Backend.all)
    func thePortalShowsSubscriptionsInPolarsCustomerShape(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 2)
            let tokenSession = try await PortalAPITests.session(server, org, customerId: pool.customerId)
            let token = try #require(tokenSession["token"]?.stringValue)
            let resized = try await server.request(.patch, "/v1/customer-portal/subscriptions/\(pool.id)", token: token,
                                                   json: ["seats": 3])
            #expect(resized.status == .ok, "\(resized.json)")
            #expect(resized["seats"] == 3)
            #expect(resized["product"]?["organization"]?["slug"] == .string(org.slug))
            #expect(resized["product"]?["organization"]?["customer_portal_settings"]?["subscription"]?["update_seats"] == true)
            #expect(resized["customer"] == nil)
            #expect(resized["metadata"] == nil)
            // The merchant's view is unchanged: the customer embedded, no organization.
            let merchant = try await server.request(.get, "/v1/subscriptions/\(pool.id)", token: org.token)
            #expect(merchant["customer"]?["id"] == .string(pool.customerId))
            #expect(merchant["product"]?["organization"] == nil)
        }
    }

    @Test(arguments: Backend.all)
    func thePortalRouteNamesCheckoutIdInItsPoolMessage(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 2)
            let tokenSession = try await PortalAPITests.session(server, org, customerId: pool.customerId)
            let token = try #require(tokenSession["token"]?.stringValue)
            let portal = try await server.request(.post, "/v1/customer-portal/seats", token: token,
                                                  json: ["email": "a@example.com"])
            #expect(portal.status == .unprocessableContent)
            #expect(portal.json["detail"]?[0]?["msg"]
                    == "Value error, Exactly one of subscription_id, order_id, or checkout_id must be provided")
            let merchant = try await server.request(.post, "/v1/customer-seats", token: org.token,
                                                    json: ["email": "a@example.com"])
            #expect(merchant.json["detail"]?[0]?["msg"] == "Value error, Exactly one of subscription_id or order_id must be provided")
        }
    }
}

/// Every field takes its value or answers 422 naming it: nothing is dropped without a word.
@Suite struct WrongTypeTests {
    @Test(arguments: Backend.all)
    func featureSettingsOfTheWrongTypeAreRefusedAndChangeNothing(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let path = "/v1/organizations/\(org.id)"
            for wrong: JSONValue in ["maybe", "no", .null, 1, [:]] {
                let response = try await server.request(.patch, path, token: TestServer.adminToken, json: [
                    "feature_settings": ["seat_based_pricing_enabled": wrong]])
                #expect(response.status == .unprocessableContent, "\(wrong.serialized()): \(response.json)")
                #expect(response.json["detail"]?[0]?["loc"] == ["body", "feature_settings", "seat_based_pricing_enabled"])
            }
            let created = try await server.request(.post, "/v1/organizations/", token: TestServer.adminToken, json: [
                "name": "X", "slug": "wrong-types", "feature_settings": ["member_model_enabled": "yes"]])
            #expect(created.status == .unprocessableContent)
            #expect(created.json["detail"]?[0]?["loc"] == ["body", "feature_settings", "member_model_enabled"])

            let unchanged = try await server.request(.get, path, token: TestServer.adminToken)
            #expect(unchanged["feature_settings"]?["seat_based_pricing_enabled"] == true)
            let changed = try await server.request(.patch, path, token: TestServer.adminToken, json: [
                "feature_settings": ["seat_based_pricing_enabled": false]])
            #expect(changed["feature_settings"]?["seat_based_pricing_enabled"] == false)
        }
    }

    @Test(arguments: Backend.all)
    func priceFieldsOfTheWrongTypeAreRefused(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            for price: JSONValue in [
                ["amount_type": "fixed", "price_amount": 100, "price_currency": 5],
                ["amount_type": "seat_based", "price_currency": "usd",
                 "seat_tiers": ["seat_tier_type": 7, "tiers": [["min_seats": 1, "max_seats": .null, "price_per_seat": 100]]]],
            ] {
                let response = try await server.request(.post, "/v1/products/", token: org.token, json: [
                    "name": "P", "recurring_interval": "month", "prices": [price]])
                #expect(response.status == .unprocessableContent, "\(price.serialized()): \(response.json)")
                #expect(response.json["detail"]?[0]?["loc"] == ["body", "prices", 0])
            }
        }
    }
}
