import Foundation
import Hummingbird
import Testing
import TesseraCore

/// The customer portal API: customer sessions, and seats managed by the customer who bought them.
@Suite struct PortalAPITests {
    /// A customer session for the pool's billing customer (or one of its members).
    static func session(_ server: TestServer, _ org: TestOrganization, customerId: String, memberId: String? = nil)
        async throws -> TestResponse
    {
        var body: [String: JSONValue] = ["customer_id": .string(customerId)]
        if let memberId { body["member_id"] = .string(memberId) }
        let response = try await server.request(.post, "/v1/customer-sessions/", token: org.token, json: .object(body))
        try #require(response.status == .created, "session: \(response.json)")
        return response
    }

    @Test(arguments: Backend.all)
    func aMerchantSignsACustomerIn(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 2)
            let session = try await Self.session(server, org, customerId: pool.customerId)
            let token = try #require(session["token"]?.stringValue)
            #expect(token.hasPrefix("tsr_cst_"))
            #expect(session["customer_id"]?.stringValue == pool.customerId)
            #expect(session["customer"]?["email"]?.stringValue == pool.customerEmail)
            #expect(session["customer_portal_url"]?.stringValue
                == "\(TestServer.publicURL)/\(org.slug)/portal?customer_session_token=\(token)")
            #expect(session["expires_at"] == JSONValue(server.clock.now.addingTimeInterval(3600)))
            // Unknown customers and members of another customer are refused.
            let unknown = try await server.request(.post, "/v1/customer-sessions/", token: org.token,
                                                   json: ["customer_id": .string(UUID().wire)])
            #expect(unknown.status == .unprocessableContent)
            let reader = try await server.makeToken(organizationId: org.id, scopes: [.customersRead])
            let forbidden = try await server.request(.post, "/v1/customer-sessions/", token: reader,
                                                     json: ["customer_id": .string(pool.customerId)])
            #expect(forbidden.status == .forbidden)
        }
    }

    @Test(arguments: Backend.all)
    func aCustomerManagesTheSeatsTheyBought(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 2)
            let token = try #require(try await Self.session(server, org, customerId: pool.customerId)["token"]?.stringValue)
            let assigned = try await server.request(.post, "/v1/customer-portal/seats", token: token, json: [
                "subscription_id": .string(pool.id), "email": "pat@example.com",
            ])
            #expect(assigned.status == .ok, "\(assigned.json)")
            #expect(assigned["status"] == "pending")
            let list = try await server.request(.get, "/v1/customer-portal/seats?subscription_id=\(pool.id)", token: token)
            #expect(list["available_seats"] == 1)
            let resent = try await server.request(.post, "/v1/customer-portal/seats/\(assigned.id)/resend", token: token)
            #expect(resent.status == .ok)
            let revoked = try await server.request(.delete, "/v1/customer-portal/seats/\(assigned.id)", token: token)
            #expect(revoked["status"] == "revoked")
            let resized = try await server.request(.patch, "/v1/customer-portal/subscriptions/\(pool.id)", token: token,
                                                   json: ["seats": 4])
            #expect(resized["seats"] == 4)
            let counts = try await server.activeSeatCounts(pool, organizationId: org.id)
            #expect(counts.kept == counts.rows && counts.rows == 0)
        }
    }

    @Test(arguments: Backend.all)
    func anotherCustomersPoolsAndSeatsAreNotFound(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let mine = try await server.makeSubscription(org, seats: 2)
            let theirs = try await server.makeSubscription(org, seats: 2)
            let theirSeat = try await server.assign(org, theirs, ["email": "x@example.com"])
            let token = try #require(try await Self.session(server, org, customerId: mine.customerId)["token"]?.stringValue)
            let list = try await server.request(.get, "/v1/customer-portal/seats?subscription_id=\(theirs.id)", token: token)
            #expect(list.status == .notFound)
            let assign = try await server.request(.post, "/v1/customer-portal/seats", token: token, json: [
                "subscription_id": .string(theirs.id), "email": "y@example.com",
            ])
            #expect(assign.status == .notFound)
            #expect(try await server.request(.delete, "/v1/customer-portal/seats/\(theirSeat.id)", token: token).status == .notFound)
            #expect(try await server.request(.post, "/v1/customer-portal/seats/\(theirSeat.id)/resend", token: token).status == .notFound)
            let resize = try await server.request(.patch, "/v1/customer-portal/subscriptions/\(theirs.id)", token: token,
                                                  json: ["seats": 3])
            #expect(resize.status == .notFound)
            // Their seat is untouched.
            #expect(try await server.list(org, theirs)["available_seats"] == 1)
        }
    }

    @Test(arguments: Backend.all)
    func membersMayListButOnlyManagersMayChange(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization(memberModel: true)
            let pool = try await server.makeSubscription(org, seats: 3)
            let seat = try await server.assign(org, pool, ["email": "held@example.com"])
            let plain = try await server.request(.post, "/v1/customers/\(pool.customerId)/members", token: org.token,
                                                 json: ["email": "plain@example.com", "role": "member"])
            let manager = try await server.request(.post, "/v1/customers/\(pool.customerId)/members", token: org.token,
                                                   json: ["email": "boss@example.com", "role": "billing_manager"])
            let plainToken = try #require(try await Self.session(server, org, customerId: pool.customerId,
                                                                 memberId: plain.id)["token"]?.stringValue)
            let managerToken = try #require(try await Self.session(server, org, customerId: pool.customerId,
                                                                   memberId: manager.id)["token"]?.stringValue)
            #expect(plainToken.hasPrefix("tsr_mst_"))
            let listed = try await server.request(.get, "/v1/customer-portal/seats?subscription_id=\(pool.id)", token: plainToken)
            #expect(listed.status == .ok)
            for (method, path, body) in [
                (HTTPRequest.Method.post, "/v1/customer-portal/seats", JSONValue(["subscription_id": .string(pool.id), "email": "n@example.com"])),
                (.delete, "/v1/customer-portal/seats/\(seat.id)", nil),
                (.post, "/v1/customer-portal/seats/\(seat.id)/resend", nil),
                (.patch, "/v1/customer-portal/subscriptions/\(pool.id)", ["seats": 4]),
            ] as [(HTTPRequest.Method, String, JSONValue?)] {
                let refused = try await server.request(method, path, token: plainToken, json: body)
                #expect(refused.status == .forbidden, "\(path)")
                #expect(refused.errorName == "NotPermitted")
            }
            let assigned = try await server.request(.post, "/v1/customer-portal/seats", token: managerToken, json: [
                "subscription_id": .string(pool.id), "email": "n@example.com",
            ])
            #expect(assigned.status == .ok)
        }
    }

    @Test(arguments: Backend.all)
    func portalAndMerchantTokensStayOnTheirOwnRoutes(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 2)
            let session = try #require(try await Self.session(server, org, customerId: pool.customerId)["token"]?.stringValue)
            let merchantOnPortal = try await server.request(.get, "/v1/customer-portal/seats?subscription_id=\(pool.id)",
                                                            token: org.token)
            #expect(merchantOnPortal.status == .unauthorized)
            let portalOnMerchant = try await server.request(.get, "/v1/customer-seats?subscription_id=\(pool.id)", token: session)
            #expect(portalOnMerchant.status == .unauthorized)
            server.clock.advance(by: 3601)
            let expired = try await server.request(.get, "/v1/customer-portal/seats?subscription_id=\(pool.id)", token: session)
            #expect(expired.status == .unauthorized)
            #expect(expired["error"] == "invalid_token")
        }
    }

    @Test(arguments: Backend.all)
    func theClaimSessionListsTheSubscriptionsWhereTheHolderHasASeat(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 2)
            _ = try await server.assign(org, pool, ["email": "quinn@example.com"])
            let invitation = try #require(try await server.deliverInvitations(to: "quinn@example.com").first)
            let claimed = try await server.request(.post, "/v1/customer-seats/claim", json: ["invitation_token": .string(invitation)])
            let session = try #require(claimed["customer_session_token"]?.stringValue)
            let subscriptions = try await server.request(.get, "/v1/customer-portal/seats/subscriptions", token: session)
            #expect(subscriptions.status == .ok)
            guard case .array(let items) = subscriptions["items"] else { Issue.record("no items"); return }
            #expect(items.compactMap { $0["id"]?.stringValue } == [pool.id])
        }
    }
}
